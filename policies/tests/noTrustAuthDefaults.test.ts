import { describe, it } from "node:test";
import { noTrustAuthDefaults } from "../rules/noTrustAuthDefaults";
import { containerProps, CONTAINER, setEnv } from "./builders";
import { assertHasViolation, assertHasViolations, assertNoViolations, resourceArgs } from "./util";

describe("no-trust-auth-defaults", () => {
    const policy = noTrustAuthDefaults;
    const primaryWith = (name: string, value: string | undefined) => {
        const props = containerProps("pg0");
        setEnv(props, name, value);
        return resourceArgs(CONTAINER, props);
    };
    const noFlag = (flag: string, kind: string, recommended: string) =>
        `POSTGRES_INITDB_ARGS sets no ${flag} (or --auth), so initdb writes trust rules for ${kind} connections ` +
        `into pg_hba.conf; add ${flag}=${recommended}.`;

    it("passes --auth-local=peer --auth-host=scram-sha-256", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, containerProps("pg0")));
    });

    it("passes a replica without POSTGRES_INITDB_ARGS (its data comes from the base backup)", async () => {
        const props = containerProps("pg1");
        setEnv(props, "POSTGRES_INITDB_ARGS", undefined);
        await assertNoViolations(policy, resourceArgs(CONTAINER, props));
    });

    it("passes --auth=scram-sha-256", async () => {
        await assertNoViolations(policy, primaryWith("POSTGRES_INITDB_ARGS", "--auth=scram-sha-256 --data-checksums"));
    });

    it("reports a missing --auth-local", async () => {
        await assertHasViolation(policy, primaryWith("POSTGRES_INITDB_ARGS", "--auth-host=scram-sha-256 --data-checksums"),
            noFlag("--auth-local", "local", "peer"));
    });

    it("reports POSTGRES_INITDB_ARGS without any auth flag", async () => {
        await assertHasViolations(policy, primaryWith("POSTGRES_INITDB_ARGS", undefined), [
            noFlag("--auth-local", "local", "peer"),
            noFlag("--auth-host", "host", "scram-sha-256"),
        ]);
    });

    it("reports --auth-host=md5", async () => {
        await assertHasViolation(policy, primaryWith("POSTGRES_INITDB_ARGS", "--auth-local=peer --auth-host=md5"),
            "POSTGRES_INITDB_ARGS makes initdb use md5 for host connections; use --auth-host=scram-sha-256.");
    });

    it("reports -A trust for both kinds", async () => {
        await assertHasViolations(policy, primaryWith("POSTGRES_INITDB_ARGS", "-A trust"), [
            "POSTGRES_INITDB_ARGS makes initdb use trust for local connections; use --auth-local=peer.",
            "POSTGRES_INITDB_ARGS makes initdb use trust for host connections; use --auth-host=scram-sha-256.",
        ]);
    });

    it("reports POSTGRES_HOST_AUTH_METHOD=trust", async () => {
        await assertHasViolation(policy, primaryWith("POSTGRES_HOST_AUTH_METHOD", "trust"),
            "POSTGRES_HOST_AUTH_METHOD=trust makes the image append \"host all all all trust\" to pg_hba.conf; " +
            "remove it or use scram-sha-256.");
    });

    it("passes POSTGRES_HOST_AUTH_METHOD=scram-sha-256", async () => {
        await assertNoViolations(policy, primaryWith("POSTGRES_HOST_AUTH_METHOD", "scram-sha-256"));
    });
});
