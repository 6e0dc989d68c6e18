import { describe, it } from "node:test";
import { replicationRoleNotSuperuser } from "../rules/replicationRoleNotSuperuser";
import {
    COMMAND, containerProps, CONTAINER, containerWithUploads, INIT_SCRIPT, INIT_SCRIPT_TEXT, REPLICATION_ROLE_SCRIPT, seedStepProps, uploadOf,
} from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, resourceArgs, UNKNOWN_STRING } from "./util";

describe("replication-role-not-superuser", () => {
    const policy = replicationRoleNotSuperuser;
    const SCRIPT = "PGC_INIT_SCRIPT of the primary's seed step";
    const primarySeedWithScript = (content: string | undefined) => {
        const props = seedStepProps("pg0", "primary");
        if (content === undefined) {
            delete props.environment.PGC_INIT_SCRIPT;
        } else {
            props.environment.PGC_INIT_SCRIPT = content;
        }
        return resourceArgs(COMMAND, props);
    };
    const superuser = (where: string) =>
        `${where} gives the replication role SUPERUSER; grant it only LOGIN and REPLICATION, since every standby stores its password.`;
    const noRole =
        `${SCRIPT} creates no replication role (CREATE ROLE … REPLICATION); standbys would have to connect as the superuser.`;

    it("passes CREATE ROLE … LOGIN REPLICATION NOSUPERUSER in the primary's seed step", async () => {
        await assertNoViolations(policy, resourceArgs(COMMAND, seedStepProps("pg0", "primary")));
    });

    it("does not apply to a standby's seed step, which copies the primary's roles", async () => {
        await assertNotApplicable(policy, resourceArgs(COMMAND, seedStepProps("pg1", "replica")));
    });

    it("passes the program's node container, which runs no init scripts", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, containerProps("pg0")));
    });

    it("reports SUPERUSER in CREATE ROLE", async () => {
        await assertHasViolation(policy, primarySeedWithScript(INIT_SCRIPT_TEXT.replace("NOSUPERUSER", "SUPERUSER")), superuser(SCRIPT));
    });

    it("reports SUPERUSER granted later with ALTER ROLE", async () => {
        await assertHasViolation(policy, primarySeedWithScript(
            INIT_SCRIPT_TEXT + "echo \"ALTER ROLE \\\"$PGC_REPLICATION_USER\\\" SUPERUSER;\" | psql\n"), superuser(SCRIPT));
    });

    it("reports createuser --replication --superuser", async () => {
        await assertHasViolation(policy, primarySeedWithScript("set -eu\ncreateuser --replication --superuser replicator\n"), superuser(SCRIPT));
    });

    it("reports a primary seed whose script creates no replication role", async () => {
        await assertHasViolation(policy, primarySeedWithScript("set -eu\ninitdb --pgdata=\"$partial\" $PGC_INITDB_ARGS\n"), noRole);
    });

    it("reports a primary seed without PGC_INIT_SCRIPT", async () => {
        await assertHasViolation(policy, primarySeedWithScript(undefined), noRole);
    });

    it("skips a seed step whose environment is unknown during preview", async () => {
        await assertNoViolations(policy, resourceArgs(COMMAND, { ...seedStepProps("pg0", "primary"), environment: UNKNOWN_STRING }));
    });

    it("skips a primary seed whose init script is unknown during preview", async () => {
        await assertNoViolations(policy, primarySeedWithScript(UNKNOWN_STRING));
    });

    describe("init scripts a container uploads", () => {
        const containerWithScript = (content: string) => {
            const props = containerWithUploads("pg0");
            uploadOf(props, INIT_SCRIPT).content = content;
            return resourceArgs(CONTAINER, props);
        };

        it("passes LOGIN REPLICATION", async () => {
            await assertNoViolations(policy, resourceArgs(CONTAINER, containerWithUploads("pg0")));
        });

        it("reports SUPERUSER in CREATE ROLE", async () => {
            await assertHasViolation(policy, containerWithScript(
                REPLICATION_ROLE_SCRIPT.replace("LOGIN REPLICATION", "LOGIN REPLICATION SUPERUSER")), superuser(INIT_SCRIPT));
        });

        it("reports SUPERUSER granted later with ALTER ROLE", async () => {
            await assertHasViolation(policy, containerWithScript(
                REPLICATION_ROLE_SCRIPT.replace("EOSQL\ncp", "ALTER ROLE :\"role\" SUPERUSER;\nEOSQL\ncp")), superuser(INIT_SCRIPT));
        });
    });
});
