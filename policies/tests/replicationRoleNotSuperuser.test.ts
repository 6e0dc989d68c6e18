import { describe, it } from "node:test";
import { replicationRoleNotSuperuser } from "../rules/replicationRoleNotSuperuser";
import { containerProps, CONTAINER, INIT_SCRIPT, REPLICATION_ROLE_SCRIPT, uploadOf } from "./builders";
import { assertHasViolation, assertNoViolations, resourceArgs } from "./util";

describe("replication-role-not-superuser", () => {
    const policy = replicationRoleNotSuperuser;
    const primaryWithScript = (content: string) => {
        const props = containerProps("pg0");
        uploadOf(props, INIT_SCRIPT).content = content;
        return resourceArgs(CONTAINER, props);
    };
    const superuser =
        `${INIT_SCRIPT} gives the replication role SUPERUSER; grant it only LOGIN and REPLICATION, since every replica stores its password.`;

    it("passes CREATE ROLE … LOGIN REPLICATION", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, containerProps("pg0")));
    });

    it("passes a replica, which runs no init scripts", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, containerProps("pg1")));
    });

    it("passes NOSUPERUSER", async () => {
        await assertNoViolations(policy, primaryWithScript(
            REPLICATION_ROLE_SCRIPT.replace("LOGIN REPLICATION", "LOGIN REPLICATION NOSUPERUSER")));
    });

    it("reports SUPERUSER in CREATE ROLE", async () => {
        await assertHasViolation(policy, primaryWithScript(
            REPLICATION_ROLE_SCRIPT.replace("LOGIN REPLICATION", "LOGIN REPLICATION SUPERUSER")), superuser);
    });

    it("reports SUPERUSER granted later with ALTER ROLE", async () => {
        await assertHasViolation(policy, primaryWithScript(
            REPLICATION_ROLE_SCRIPT.replace("EOSQL\ncp", "ALTER ROLE :\"role\" SUPERUSER;\nEOSQL\ncp")), superuser);
    });

    it("reports createuser --replication --superuser", async () => {
        await assertHasViolation(policy, primaryWithScript(
            "#!/bin/sh\nset -eu\ncreateuser --replication --superuser replicator\n"), superuser);
    });

    it("reports a primary that creates no replication role", async () => {
        await assertHasViolation(policy, primaryWithScript("#!/bin/sh\nset -eu\ncp /etc/pg-cluster/pg_hba.conf \"$PGDATA\"\n"),
            "No init script under /docker-entrypoint-initdb.d/ creates a replication role (CREATE ROLE … REPLICATION); " +
            "replicas would have to connect as the superuser.");
    });
});
