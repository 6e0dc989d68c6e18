import { describe, it } from "node:test";
import { scramPasswordEncryption } from "../rules/scramPasswordEncryption";
import {
    COMMAND, containerProps, CONTAINER, dcsConfigStepWith, IN_DCS_CONFIG, inMemberConfig, patroniContainerProps, patroniMemberConfWith,
    removeSetting, setSetting,
} from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, resourceArgs } from "./util";

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

describe("scram-password-encryption with ha: patroni", () => {
    const policy = scramPasswordEncryption;
    const md5 = (where: string) =>
        `${where}, password_encryption is "md5"; set password_encryption=scram-sha-256 so passwords are stored ` +
        "as SCRAM verifiers, not MD5 hashes.";

    it("passes the DCS configuration and a member's configuration", async () => {
        await assertNoViolations(policy, resourceArgs(COMMAND, dcsConfigStepWith(), { name: "dcs-config" }));
        await assertNoViolations(policy, resourceArgs(COMMAND, patroniMemberConfWith("pg1"), { name: "pg1-member-conf" }));
    });

    it("does not apply to a Patroni member's container, whose command carries no setting", async () => {
        await assertNotApplicable(policy, resourceArgs(CONTAINER, patroniContainerProps("pg1")));
    });

    it("reports md5 in the DCS configuration", async () => {
        await assertHasViolation(policy,
            resourceArgs(COMMAND, dcsConfigStepWith((c) => (c.postgresql.parameters.password_encryption = "md5")), { name: "dcs-config" }),
            md5(IN_DCS_CONFIG));
    });

    it("reports md5 in a member's own postgresql.parameters, which win over the DCS's", async () => {
        await assertHasViolation(policy,
            resourceArgs(COMMAND, patroniMemberConfWith("pg1", (c) => (c.postgresql.parameters.password_encryption = "md5")),
                { name: "pg1-member-conf" }),
            md5(inMemberConfig("pg1-member-conf")));
    });
});
