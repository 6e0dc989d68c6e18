import { describe, it } from "node:test";
import { shmSize } from "../rules/shmSize";
import { containerProps, CONTAINER } from "./builders";
import { assertHasViolation, assertNoViolations, resourceArgs } from "./util";

describe("shm-size", () => {
    const policy = shmSize;

    it("passes 256 MB", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, containerProps("pg0")));
    });

    it("reports a missing shmSize", async () => {
        const props = containerProps("pg0");
        delete props.shmSize;
        await assertHasViolation(policy, resourceArgs(CONTAINER, props),
            "shmSize is not set, so /dev/shm is Docker's default 64 MB and parallel queries can fail with " +
            "\"could not resize shared memory segment\"; set shmSize to at least 128 (MB).");
    });

    it("reports Docker's 64 MB", async () => {
        await assertHasViolation(policy, resourceArgs(CONTAINER, { ...containerProps("pg0"), shmSize: 64 }),
            "shmSize is 64 MB; set it to at least 128 MB (PostgreSQL's parallel queries use /dev/shm).");
    });

    it("uses minShmSizeMb from the policy config", async () => {
        await assertHasViolation(policy, resourceArgs(CONTAINER, containerProps("pg0"), { config: { minShmSizeMb: 512 } }),
            "shmSize is 256 MB; set it to at least 512 MB (PostgreSQL's parallel queries use /dev/shm).");
    });
});
