import { describe, it } from "node:test";
import { scramPasswordEncryption } from "../rules/scramPasswordEncryption";
import { containerProps, CONTAINER, removeSetting, setSetting } from "./builders";
import { assertHasViolation, assertNoViolations, resourceArgs } from "./util";

describe("scram-password-encryption", () => {
    const policy = scramPasswordEncryption;

    it("passes password_encryption=scram-sha-256", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, containerProps("pg0")));
    });

    it("passes PostgreSQL 17's default", async () => {
        const props = containerProps("pg0");
        removeSetting(props, "password_encryption");
        await assertNoViolations(policy, resourceArgs(CONTAINER, props));
    });

    it("reports md5", async () => {
        const props = containerProps("pg0");
        setSetting(props, "password_encryption", "md5");
        await assertHasViolation(policy, resourceArgs(CONTAINER, props),
            "password_encryption is \"md5\"; set password_encryption=scram-sha-256 so passwords are stored " +
            "as SCRAM verifiers, not MD5 hashes.");
    });
});
