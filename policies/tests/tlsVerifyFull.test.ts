import { describe, it } from "node:test";
import { tlsVerifyFull } from "../rules/tlsVerifyFull";
import {
    COMMAND, confStepProps, conninfoStepProps, containerProps, CONTAINER, etcdConfig, memberConfStepProps, patroniMemberConfWith, primaryStepProps,
    seedStepProps,
} from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, resourceArgs, UNKNOWN_STRING } from "./util";

describe("tls-verify-full", () => {
    const policy = tlsVerifyFull;
    const step = (name: string, props: Record<string, any>) => resourceArgs(COMMAND, props, { name });
    const withTls = (props: Record<string, any>, tls: string | undefined) => {
        if (tls === undefined) {
            delete props.environment.PGC_TLS;
        } else {
            props.environment.PGC_TLS = tls;
        }
        return props;
    };
    const fix = "set pg-cluster:tls to true (with PGC_TLS=on the step connects with sslmode=verify-full).";
    const BASE_BACKUP = "the standby's base backup runs without TLS and without checking the primary's certificate";
    const STREAMING = "the standby streams WAL without TLS and without checking the primary's certificate";
    const REPOINTING = "the standbys it points at the primary stream without TLS and without checking its certificate, and " +
        "the exported connection strings (set by the same pg-cluster:tls) do not ask for sslmode=verify-full";

    it("passes a standby's seed, its conninfo and the primary step with PGC_TLS=on", async () => {
        await assertNoViolations(policy, step("pg1-seed", seedStepProps("pg1", "replica")));
        await assertNoViolations(policy, step("pg1-conninfo", conninfoStepProps("pg1")));
        await assertNoViolations(policy, step("primary", primaryStepProps()));
    });

    it("passes the primary's seed, which connects to no other node", async () => {
        await assertNoViolations(policy, step("pg0-seed", withTls(seedStepProps("pg0", "primary"), undefined)));
    });

    it("passes a conf step with TLS", async () => {
        await assertNoViolations(policy, step("pg1-conf", confStepProps("pg1")));
    });

    it("reports PGC_TLS=off on a standby's seed", async () => {
        await assertHasViolation(policy, step("pg1-seed", withTls(seedStepProps("pg1", "replica"), "off")),
            `PGC_TLS is "off" on seed step pg1-seed, so ${BASE_BACKUP}; ${fix}`);
    });

    it("reports a conninfo step without PGC_TLS", async () => {
        await assertHasViolation(policy, step("pg1-conninfo", withTls(conninfoStepProps("pg1"), undefined)),
            `PGC_TLS is not set on conninfo step pg1-conninfo, so ${STREAMING}; ${fix}`);
    });

    it("reports PGC_TLS=off on the primary step, which also stands for the exported connection strings", async () => {
        await assertHasViolation(policy, step("primary", withTls(primaryStepProps(), "off")),
            `PGC_TLS is "off" on primary step primary, so ${REPOINTING}; ${fix}`);
    });

    it("reports a script asking for sslmode=require", async () => {
        const props = conninfoStepProps("pg1");
        props.create += "psql \"host=pg0 sslmode=require\" -c 'SELECT 1'\n";
        await assertHasViolation(policy, step("pg1-conninfo", props),
            "The create of step pg1-conninfo asks for sslmode=require, which does not check the server's certificate and host " +
            "name; use sslmode=verify-full with the cluster's CA.");
    });

    it("reports an environment value asking for sslmode=verify-ca", async () => {
        const props = seedStepProps("pg1", "replica");
        props.environment.PGC_BACKUP_SCRIPT += "pg_basebackup -d 'sslmode=verify-ca'\n";
        await assertHasViolation(policy, step("pg1-seed", props),
            "The environment variable PGC_BACKUP_SCRIPT of step pg1-seed asks for sslmode=verify-ca, which does not check the " +
            "server's certificate and host name; use sslmode=verify-full with the cluster's CA.");
    });

    it("passes a script asking for sslmode=verify-full", async () => {
        const props = conninfoStepProps("pg1");
        props.create += "psql \"host=pg0 sslmode=verify-full sslrootcert=/ca.crt\" -c 'SELECT 1'\n";
        await assertNoViolations(policy, step("pg1-conninfo", props));
    });

    it("skips a step whose environment is unknown during preview", async () => {
        await assertNoViolations(policy, step("pg1-conninfo", { ...conninfoStepProps("pg1"), environment: UNKNOWN_STRING }));
    });

    it("does not apply to containers", async () => {
        await assertNotApplicable(policy, resourceArgs(CONTAINER, containerProps("pg1")));
    });
});

describe("tls-verify-full with ha: patroni", () => {
    const policy = tlsVerifyFull;
    const member = (change: (config: Record<string, any>) => void = () => {}) =>
        resourceArgs(COMMAND, patroniMemberConfWith("pg1", change), { name: "pg1-member-conf" });
    const weak = (role: string, asked: string) =>
        `The Patroni configuration in PGC_CONFIG of step pg1-member-conf connects to other members as its ${role} user ` +
        `(postgresql.authentication.${role}) ${asked}, which does not check the server's certificate and host name; ` +
        "set sslmode: verify-full, with sslrootcert naming the cluster's CA.";

    it("passes a member connecting as its replication and rewind users with verify-full, its superuser over the socket", async () => {
        await assertNoViolations(policy, member());
    });

    it("passes an etcd member's configuration, which has no PostgreSQL connection", async () => {
        await assertNoViolations(policy, resourceArgs(COMMAND, memberConfStepProps("etcd0", etcdConfig("etcd0"))));
    });

    it("reports the replication user with sslmode require", async () => {
        await assertHasViolation(policy, member((c) => (c.postgresql.authentication.replication.sslmode = "require")),
            weak("replication", "with sslmode \"require\""));
    });

    it("reports the rewind user without sslmode (libpq's prefer)", async () => {
        await assertHasViolation(policy, member((c) => delete c.postgresql.authentication.rewind.sslmode),
            weak("rewind", "with no sslmode, so libpq uses prefer"));
    });

    it("reports the superuser when pg_rewind connects as it (no rewind user)", async () => {
        await assertHasViolation(policy, member((c) => delete c.postgresql.authentication.rewind),
            weak("superuser", "with no sslmode, so libpq uses prefer"));
    });

    it("reports the superuser when Patroni does not use the Unix socket", async () => {
        await assertHasViolation(policy, member((c) => (c.postgresql.use_unix_socket = false)),
            weak("superuser", "with no sslmode, so libpq uses prefer"));
    });
});
