import { describe, it } from "node:test";
import { noTrustAuthDefaults } from "../rules/noTrustAuthDefaults";
import { COMMAND, containerProps, CONTAINER, containerWithUploads, etcdConfig, memberConfStepProps, patroniContainerProps, patroniMemberConfWith, seedStepProps, setEnv } from "./builders";
import { assertHasViolation, assertHasViolations, assertNoViolations, assertNotApplicable, resourceArgs, UNKNOWN_STRING } from "./util";

describe("no-trust-auth-defaults", () => {
    const policy = noTrustAuthDefaults;
    const SEED_ARGS = "PGC_INITDB_ARGS of the primary's seed step";
    const primarySeedWith = (initdbArgs: string | undefined) => {
        const props = seedStepProps("pg0", "primary");
        if (initdbArgs === undefined) {
            delete props.environment.PGC_INITDB_ARGS;
        } else {
            props.environment.PGC_INITDB_ARGS = initdbArgs;
        }
        return resourceArgs(COMMAND, props);
    };
    const containerWith = (name: string, value: string | undefined) => {
        const props = containerWithUploads("pg0");
        setEnv(props, name, value);
        return resourceArgs(CONTAINER, props);
    };
    const noFlag = (where: string, flag: string, kind: string, recommended: string) =>
        `${where} sets no ${flag} (or --auth), so initdb writes trust rules for ${kind} connections ` +
        `into pg_hba.conf; add ${flag}=${recommended}.`;

    describe("the primary's seed step, where initdb runs", () => {
        it("passes --auth-local=peer --auth-host=scram-sha-256", async () => {
            await assertNoViolations(policy, resourceArgs(COMMAND, seedStepProps("pg0", "primary")));
        });

        it("passes --auth=scram-sha-256", async () => {
            await assertNoViolations(policy, primarySeedWith("--auth=scram-sha-256 --data-checksums"));
        });

        it("reports a missing --auth-local", async () => {
            await assertHasViolation(policy, primarySeedWith("--auth-host=scram-sha-256 --data-checksums"),
                noFlag(SEED_ARGS, "--auth-local", "local", "peer"));
        });

        it("reports a seed step without PGC_INITDB_ARGS", async () => {
            await assertHasViolations(policy, primarySeedWith(undefined), [
                noFlag(SEED_ARGS, "--auth-local", "local", "peer"),
                noFlag(SEED_ARGS, "--auth-host", "host", "scram-sha-256"),
            ]);
        });

        it("reports --auth-host=md5", async () => {
            await assertHasViolation(policy, primarySeedWith("--auth-local=peer --auth-host=md5"),
                `${SEED_ARGS} makes initdb use md5 for host connections; use --auth-host=scram-sha-256.`);
        });

        it("reports -A trust for both kinds", async () => {
            await assertHasViolations(policy, primarySeedWith("-A trust"), [
                `${SEED_ARGS} makes initdb use trust for local connections; use --auth-local=peer.`,
                `${SEED_ARGS} makes initdb use trust for host connections; use --auth-host=scram-sha-256.`,
            ]);
        });

        it("skips a seed step whose environment is unknown during preview", async () => {
            await assertNoViolations(policy, resourceArgs(COMMAND, { ...seedStepProps("pg0", "primary"), environment: UNKNOWN_STRING }));
        });

        it("does not apply to a standby's seed step (its data is the primary's base backup)", async () => {
            await assertNotApplicable(policy, resourceArgs(COMMAND, seedStepProps("pg1", "replica")));
        });
    });

    describe("containers", () => {
        it("passes the program's node container, which carries no password and never runs initdb", async () => {
            await assertNoViolations(policy, resourceArgs(CONTAINER, containerProps("pg0")));
        });

        it("passes a container that would initdb with --auth-local and --auth-host", async () => {
            await assertNoViolations(policy, resourceArgs(CONTAINER, containerWithUploads("pg0")));
        });

        it("reports a container given a password file that would initdb without auth flags", async () => {
            await assertHasViolations(policy, containerWith("POSTGRES_INITDB_ARGS", undefined), [
                noFlag("POSTGRES_INITDB_ARGS", "--auth-local", "local", "peer"),
                noFlag("POSTGRES_INITDB_ARGS", "--auth-host", "host", "scram-sha-256"),
            ]);
        });

        it("reports weak POSTGRES_INITDB_ARGS", async () => {
            await assertHasViolation(policy, containerWith("POSTGRES_INITDB_ARGS", "--auth-local=peer --auth-host=md5"),
                "POSTGRES_INITDB_ARGS makes initdb use md5 for host connections; use --auth-host=scram-sha-256.");
        });

        it("reports POSTGRES_HOST_AUTH_METHOD=trust", async () => {
            const props = containerProps("pg0");
            setEnv(props, "POSTGRES_HOST_AUTH_METHOD", "trust");
            await assertHasViolation(policy, resourceArgs(CONTAINER, props),
                "POSTGRES_HOST_AUTH_METHOD=trust makes the image append \"host all all all trust\" to pg_hba.conf; " +
                "remove it or use scram-sha-256.");
        });

        it("passes POSTGRES_HOST_AUTH_METHOD=scram-sha-256", async () => {
            await assertNoViolations(policy, containerWith("POSTGRES_HOST_AUTH_METHOD", "scram-sha-256"));
        });
    });
});

describe("no-trust-auth-defaults with ha: patroni", () => {
    const policy = noTrustAuthDefaults;
    const WHERE = "bootstrap.initdb of the Patroni configuration in PGC_CONFIG of step pg1-member-conf";
    const member = (initdb: unknown[]) =>
        resourceArgs(COMMAND, patroniMemberConfWith("pg1", (c) => (c.bootstrap.initdb = initdb)), { name: "pg1-member-conf" });

    it("passes a member's bootstrap.initdb with auth-local peer and auth-host scram-sha-256", async () => {
        await assertNoViolations(policy, resourceArgs(COMMAND, patroniMemberConfWith("pg1"), { name: "pg1-member-conf" }));
    });

    it("passes a Patroni member's container, which runs no entrypoint that would initdb", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, patroniContainerProps("pg1")));
    });

    it("does not apply to an etcd member's configuration", async () => {
        await assertNotApplicable(policy, resourceArgs(COMMAND, memberConfStepProps("etcd0", etcdConfig("etcd0"))));
    });

    it("reports a bootstrap.initdb without auth options: any member may make the cluster with trust", async () => {
        await assertHasViolations(policy, member(["data-checksums", { encoding: "UTF8" }]), [
            `${WHERE} sets no --auth-local (or --auth), so initdb writes trust rules for local connections into pg_hba.conf; ` +
            "add --auth-local=peer.",
            `${WHERE} sets no --auth-host (or --auth), so initdb writes trust rules for host connections into pg_hba.conf; ` +
            "add --auth-host=scram-sha-256.",
        ]);
    });

    it("reports auth-host md5", async () => {
        await assertHasViolation(policy, member([{ "auth-local": "peer" }, { "auth-host": "md5" }]),
            `${WHERE} makes initdb use md5 for host connections; use --auth-host=scram-sha-256.`);
    });

    it("passes auth scram-sha-256 for both", async () => {
        await assertNoViolations(policy, member(["data-checksums", { auth: "scram-sha-256" }]));
    });
});
