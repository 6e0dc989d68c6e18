import { describe, it } from "node:test";
import { shmSize } from "../rules/shmSize";
import { containerProps, CONTAINER, etcdContainerProps, patroniContainerProps } from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, resourceArgs } from "./util";

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

describe("shm-size with ha: patroni", () => {
    const policy = shmSize;

    it("passes a Patroni member's 256 MB", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, patroniContainerProps("pg1")));
    });

    it("reports a Patroni member without shmSize", async () => {
        const props = patroniContainerProps("pg1");
        delete props.shmSize;
        await assertHasViolation(policy, resourceArgs(CONTAINER, props),
            "shmSize is not set, so /dev/shm is Docker's default 64 MB and parallel queries can fail with " +
            "\"could not resize shared memory segment\"; set shmSize to at least 128 (MB).");
    });

    it("does not apply to an etcd member", async () => {
        await assertNotApplicable(policy, resourceArgs(CONTAINER, etcdContainerProps("etcd0")));
    });
});
