import { describe, it } from "node:test";
import { healthcheckAndRestart } from "../rules/healthcheckAndRestart";
import { containerProps, CONTAINER, etcdContainerProps, exporterProps, patroniContainerProps } from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, resourceArgs } from "./util";

describe("healthcheck-and-restart", () => {
    const policy = healthcheckAndRestart;
    const args = (props: Record<string, any>) => resourceArgs(CONTAINER, props);
    const noRestart = "The container has no restart policy (Docker's default is \"no\"); set restart to unless-stopped, always or on-failure.";

    it("passes a pg_isready healthcheck and restart unless-stopped", async () => {
        await assertNoViolations(policy, args(containerProps("pg1")));
    });

    for (const restart of ["always", "on-failure"]) {
        it(`passes restart ${restart}`, async () => {
            await assertNoViolations(policy, args({ ...containerProps("pg0"), restart }));
        });
    }

    it("reports a missing healthcheck", async () => {
        const props = containerProps("pg0");
        delete props.healthcheck;
        await assertHasViolation(policy, args(props),
            "The container has no healthcheck; add one that runs pg_isready (tests: [\"CMD-SHELL\", \"pg_isready …\"]).");
    });

    it("reports a disabled healthcheck", async () => {
        const props = containerProps("pg0");
        props.healthcheck.tests = ["NONE"];
        await assertHasViolation(policy, args(props), "The container's healthcheck is disabled (NONE); add one that runs pg_isready.");
    });

    it("reports a healthcheck without a command", async () => {
        const props = containerProps("pg0");
        props.healthcheck.tests = ["CMD-SHELL"];
        await assertHasViolation(policy, args(props),
            "The container's healthcheck test starts with \"CMD-SHELL\" and runs no command; " +
            "use [\"CMD-SHELL\", \"pg_isready …\"] or [\"CMD\", …].");
    });

    it("reports a missing restart policy", async () => {
        const props = containerProps("pg0");
        delete props.restart;
        await assertHasViolation(policy, args(props), noRestart);
    });

    it("reports restart no", async () => {
        await assertHasViolation(policy, args({ ...containerProps("pg0"), restart: "no" }),
            "The container's restart policy is \"no\", so it stays down after a crash or a host reboot; " +
            "use unless-stopped, always or on-failure.");
    });
});

describe("healthcheck-and-restart with ha: patroni", () => {
    const policy = healthcheckAndRestart;
    const args = (props: Record<string, any>) => resourceArgs(CONTAINER, props);

    it("passes a Patroni member asking Patroni's /readiness, and an etcd member running etcdctl endpoint health", async () => {
        await assertNoViolations(policy, args(patroniContainerProps("pg1")));
        await assertNoViolations(policy, args(etcdContainerProps("etcd0")));
    });

    it("reports a Patroni member without a healthcheck, asking for Patroni's /readiness", async () => {
        const props = patroniContainerProps("pg1");
        delete props.healthcheck;
        await assertHasViolation(policy, args(props),
            "The container has no healthcheck; add one that asks Patroni's REST API for /readiness " +
            "(tests: [\"CMD-SHELL\", \"<a call to https://localhost:8008/readiness>\"]).");
    });

    it("reports an etcd member without a healthcheck, asking for etcdctl endpoint health", async () => {
        const props = etcdContainerProps("etcd0");
        delete props.healthcheck;
        await assertHasViolation(policy, args(props),
            "The container has no healthcheck; add one that runs etcdctl endpoint health " +
            "(tests: [\"CMD\", \"etcdctl\", …, \"endpoint\", \"health\"]).");
    });

    it("reports an etcd member whose healthcheck is disabled", async () => {
        const props = etcdContainerProps("etcd0");
        props.healthcheck.tests = ["NONE"];
        await assertHasViolation(policy, args(props), "The container's healthcheck is disabled (NONE); add one that runs etcdctl endpoint health.");
    });

    it("reports an etcd member that stays down after a crash (restart no)", async () => {
        const props = etcdContainerProps("etcd0");
        props.restart = "no";
        await assertHasViolation(policy, args(props),
            "The container's restart policy is \"no\", so it stays down after a crash or a host reboot; use unless-stopped, always or on-failure.");
    });

    it("still does not apply to a monitoring container", async () => {
        await assertNotApplicable(policy, args(exporterProps("pg1")));
    });
});
