import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RESERVED_KEY_WORDS, RESERVED_ROLE_NAMES, SPECIAL_ROLE_NAMES } from "../lib/roles";
import { roleNamesNotReserved } from "../rules/roleNamesNotReserved";
import {
    clusterResources, COMMAND, conninfoStepProps, containerProps, CONTAINER, passwordsStepProps, primaryStepProps, seedStepProps, slotStepProps,
} from "./builders";
import { assertHasViolation, assertHasViolations, assertNoViolations, assertNotApplicable, resourceArgs, runPolicy, UNKNOWN_STRING } from "./util";

describe("role-names-not-reserved", () => {
    const policy = roleNamesNotReserved;
    const passwords = (change: (env: Record<string, string>) => void = () => undefined) => {
        const props = passwordsStepProps();
        change(props.environment);
        return resourceArgs(COMMAND, props, { name: "passwords" });
    };
    const KEYWORD = "a reserved key word of PostgreSQL 17's SQL, which cannot name a role unquoted";
    const reserved = (key: string, value: string, reason: string, configKey?: string) =>
        `${key} of passwords step passwords is ${JSON.stringify(value)}, ${reason}; ` +
        `${configKey !== undefined ? `set pg-cluster:${configKey} to another name` : "use another name"}.`;

    it("passes the program's passwords step: replicator, postgres_app, monitoring and the superuser postgres", async () => {
        await assertNoViolations(policy, passwords());
    });

    it("passes every step of the program that carries a role name", async () => {
        for (const props of [seedStepProps("pg0", "primary"), seedStepProps("pg1", "replica"), slotStepProps("pg1"),
            conninfoStepProps("pg1"), primaryStepProps()]) {
            await assertNoViolations(policy, resourceArgs(COMMAND, props));
        }
    });

    it("passes every resource of a production stack", async () => {
        for (const r of clusterResources(2, "production")) {
            await assertNoViolations(policy, resourceArgs(r.type, r.props, { name: r.name }));
        }
    });

    it("reports a reserved key word as the replication role", async () => {
        await assertHasViolation(policy, passwords((env) => (env.PGC_REPLICATION_USER = "select")),
            reserved("PGC_REPLICATION_USER", "select", KEYWORD, "replicationUser"));
    });

    it("reports public as the application role", async () => {
        await assertHasViolation(policy, passwords((env) => (env.PGC_APP_USER = "public")),
            reserved("PGC_APP_USER", "public", "the pseudo-role every role belongs to, which CREATE ROLE refuses", "appUser"));
    });

    it("reports none as the monitoring role", async () => {
        await assertHasViolation(policy, passwords((env) => (env.PGC_MONITORING_USER = "none")),
            reserved("PGC_MONITORING_USER", "none", "a name CREATE ROLE refuses (it stands for no role)", "monitoringUser"));
    });

    it("reports all, which pg_hba.conf reads as every role", async () => {
        await assertHasViolation(policy, passwords((env) => (env.PGC_APP_USER = "all")),
            reserved("PGC_APP_USER", "all", "pg_hba.conf's word for every role, and a reserved key word", "appUser"));
    });

    it("reports samerole, a pg_hba.conf keyword", async () => {
        await assertHasViolation(policy, passwords((env) => (env.PGC_MONITORING_USER = "samerole")),
            reserved("PGC_MONITORING_USER", "samerole", "a pg_hba.conf keyword (members of the role named like the database), not a name there",
                "monitoringUser"));
    });

    it("reports current_user, a role specification", async () => {
        await assertHasViolation(policy, passwords((env) => (env.PGC_REPLICATION_USER = "current_user")),
            reserved("PGC_REPLICATION_USER", "current_user", "a role specification for the session's current role, and a reserved key word",
                "replicationUser"));
    });

    it("reports a name starting with pg_", async () => {
        await assertHasViolation(policy, passwords((env) => (env.PGC_MONITORING_USER = "pg_metrics")),
            reserved("PGC_MONITORING_USER", "pg_metrics",
                "a name starting with pg_, which PostgreSQL keeps for its predefined roles (CREATE ROLE refuses it)", "monitoringUser"));
    });

    it("reports a reserved superuser name, which no config key sets", async () => {
        await assertHasViolation(policy, passwords((env) => (env.PGC_SUPERUSER = "user")),
            reserved("PGC_SUPERUSER", "user", "a role specification for the session's current role, and a reserved key word"));
    });

    it("compares in lower case, as an unquoted name is folded", async () => {
        await assertHasViolation(policy, passwords((env) => (env.PGC_APP_USER = "Public")),
            reserved("PGC_APP_USER", "Public", "the pseudo-role every role belongs to, which CREATE ROLE refuses", "appUser"));
    });

    it("reports every reserved name at once", async () => {
        await assertHasViolations(policy, passwords((env) => {
            env.PGC_REPLICATION_USER = "table";
            env.PGC_APP_USER = "pg_app";
        }), [
            reserved("PGC_REPLICATION_USER", "table", KEYWORD, "replicationUser"),
            reserved("PGC_APP_USER", "pg_app",
                "a name starting with pg_, which PostgreSQL keeps for its predefined roles (CREATE ROLE refuses it)", "appUser"),
        ]);
    });

    it("reports the replication role on the step that carries it, whatever the step", async () => {
        const props = seedStepProps("pg1", "replica");
        props.environment.PGC_REPLICATION_USER = "order";
        await assertHasViolation(policy, resourceArgs(COMMAND, props, { name: "pg1-seed" }),
            `PGC_REPLICATION_USER of seed step pg1-seed is "order", ${KEYWORD}; set pg-cluster:replicationUser to another name.`);
    });

    it("reports each reserved key word and special name, naming the key and the value", async () => {
        for (const name of RESERVED_ROLE_NAMES) {
            const violations = await runPolicy(policy, passwords((env) => (env.PGC_APP_USER = name)));
            assert.equal(violations.length, 1, name);
            assert.ok(violations[0].message.startsWith(`PGC_APP_USER of passwords step passwords is ${JSON.stringify(name)}, `), name);
        }
    });

    it("passes names that only contain a reserved word or pg", async () => {
        for (const name of ["selector", "users", "public_app", "app_all", "pgadmin", "my_pg_role", "analytics", "order_app"]) {
            await assertNoViolations(policy, passwords((env) => (env.PGC_APP_USER = name)));
        }
    });

    it("passes key words PostgreSQL does not reserve, and those that can name a function or type", async () => {
        for (const name of ["admin", "role", "password", "authorization", "binary", "left", "none_app"]) {
            await assertNoViolations(policy, passwords((env) => (env.PGC_APP_USER = name)));
        }
    });

    it("leaves an empty name alone (the program's config validation reports it)", async () => {
        await assertNoViolations(policy, passwords((env) => (env.PGC_APP_USER = "")));
    });

    it("skips a step whose environment is unknown during preview", async () => {
        await assertNoViolations(policy, resourceArgs(COMMAND, { ...passwordsStepProps(), environment: UNKNOWN_STRING }));
    });

    it("skips a name that is unknown and still reports a known one", async () => {
        await assertHasViolation(policy, passwords((env) => {
            env.PGC_REPLICATION_USER = UNKNOWN_STRING;
            env.PGC_APP_USER = "null";
        }), reserved("PGC_APP_USER", "null", KEYWORD, "appUser"));
    });

    it("does not apply to containers", async () => {
        await assertNotApplicable(policy, resourceArgs(CONTAINER, containerProps("pg0")));
    });

    describe("the list (lib/roles.ts) the Java side's copy is held to", () => {
        it("has PostgreSQL 17's 78 reserved key words, lower case, sorted, each once", () => {
            assert.equal(RESERVED_KEY_WORDS.length, 78);
            assert.deepEqual([...RESERVED_KEY_WORDS].sort(), RESERVED_KEY_WORDS);
            assert.equal(new Set(RESERVED_KEY_WORDS).size, RESERVED_KEY_WORDS.length);
            for (const word of [...RESERVED_KEY_WORDS, ...SPECIAL_ROLE_NAMES]) {
                assert.match(word, /^[a-z_]+$/);
            }
        });

        it("counts every special name and key word as reserved", () => {
            for (const word of [...SPECIAL_ROLE_NAMES, ...RESERVED_KEY_WORDS]) {
                assert.ok(RESERVED_ROLE_NAMES.has(word), word);
            }
        });
    });
});
