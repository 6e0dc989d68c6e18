import { describe, it } from "node:test";
import { patroniBoundedFailoverLag } from "../rules/patroniBoundedFailoverLag";
import {
    COMMAND, CONTAINER, dcsConfigStepProps, dcsConfigStepWith, etcdConfig, memberConfStepProps, patroniContainerProps, patroniMemberConfWith,
} from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, resourceArgs, UNKNOWN_STRING } from "./util";

describe("patroni-bounded-failover-lag", () => {
    const policy = patroniBoundedFailoverLag;
    const IN_DCS = "The DCS configuration (PGC_DCS_CONFIG of step dcs-config)";
    const dcs = (change: (dcs: Record<string, any>) => void = () => {}, config: object = {}) =>
        resourceArgs(COMMAND, dcsConfigStepWith(change), { name: "dcs-config", config });
    const tooFar = (where: string, bytes: number, mib: string, max = 64) =>
        `${where} lets Patroni promote a replica up to ${bytes} bytes (${mib} MiB) behind (maximum_lag_on_failover) while ` +
        `synchronous_mode is off: a failover may lose that much committed WAL; set it to at most ${max} MiB ` +
        `(${max * 1024 * 1024}), or turn synchronous replication on.`;

    it("passes pg-cluster's default, 16 MiB, in asynchronous mode", async () => {
        await assertNoViolations(policy, dcs());
    });

    it("passes exactly 64 MiB", async () => {
        await assertNoViolations(policy, dcs((c) => (c.maximum_lag_on_failover = 64 * 1024 * 1024)));
    });

    it("passes a value given as a string of bytes", async () => {
        await assertNoViolations(policy, dcs((c) => (c.maximum_lag_on_failover = "1048576")));
    });

    it("reports 64 MiB and one byte", async () => {
        await assertHasViolation(policy, dcs((c) => (c.maximum_lag_on_failover = 64 * 1024 * 1024 + 1)),
            tooFar(IN_DCS, 67108865, "64.0"));
    });

    it("reports 1 GiB in a member's bootstrap.dcs", async () => {
        await assertHasViolation(policy,
            resourceArgs(COMMAND, patroniMemberConfWith("pg1", (c) => (c.bootstrap.dcs.maximum_lag_on_failover = 1073741824)),
                { name: "pg1-member-conf" }),
            tooFar("bootstrap.dcs of the Patroni configuration (PGC_CONFIG of step pg1-member-conf)", 1073741824, "1024.0"));
    });

    it("reports an asynchronous DCS configuration without maximum_lag_on_failover", async () => {
        await assertHasViolation(policy, dcs((c) => delete c.maximum_lag_on_failover),
            `${IN_DCS} sets no maximum_lag_on_failover while synchronous_mode is off, so the bound on what a failover may ` +
            "lose is whatever the DCS holds (Patroni's default 1 MiB, or any value set by hand); declare it " +
            "(pg-cluster:maximumLagOnFailover), at most 64 MiB.");
    });

    it("reports synchronous_mode left out (Patroni's default is off) with a lag of 128 MiB", async () => {
        await assertHasViolation(policy, dcs((c) => {
            delete c.synchronous_mode;
            c.maximum_lag_on_failover = 134217728;
        }), tooFar(IN_DCS, 134217728, "128.0"));
    });

    it("reports a lag that is not a number of bytes", async () => {
        await assertHasViolation(policy, dcs((c) => (c.maximum_lag_on_failover = "16MB")),
            `${IN_DCS} has maximum_lag_on_failover "16MB", which is not a number of bytes.`);
    });

    it("passes any lag in synchronous mode: Patroni promotes only a synchronous standby", async () => {
        await assertNoViolations(policy, dcs((c) => {
            c.synchronous_mode = true;
            c.maximum_lag_on_failover = 1073741824;
        }));
    });

    it("passes any lag in quorum mode", async () => {
        await assertNoViolations(policy, dcs((c) => {
            c.synchronous_mode = "quorum";
            delete c.maximum_lag_on_failover;
        }));
    });

    it("uses maxLagOnFailoverMb from the policy config", async () => {
        await assertHasViolation(policy, dcs(() => {}, { maxLagOnFailoverMb: 8 }), tooFar(IN_DCS, 16777216, "16.0", 8));
    });

    it("reports a DCS configuration that is not JSON", async () => {
        const props = dcsConfigStepProps();
        props.environment.PGC_DCS_CONFIG = "ttl: 20\nmaximum_lag_on_failover: 1073741824\n";
        await assertHasViolation(policy, resourceArgs(COMMAND, props, { name: "dcs-config" }),
            `${IN_DCS} is not JSON, which this pack reads (Patroni reads JSON as YAML), so what it sets cannot be checked.`);
    });

    it("skips a dcs-config step whose environment is unknown during preview", async () => {
        await assertNoViolations(policy, resourceArgs(COMMAND, { ...dcsConfigStepWith((c) => (c.maximum_lag_on_failover = 1073741824)), environment: UNKNOWN_STRING }));
    });

    it("does not apply to other steps and containers", async () => {
        await assertNoViolations(policy, resourceArgs(COMMAND, memberConfStepProps("etcd0", etcdConfig("etcd0"))));
        await assertNotApplicable(policy, resourceArgs(COMMAND, { environment: { PGC_STEP: "ready" }, create: "true" }));
        await assertNotApplicable(policy, resourceArgs(CONTAINER, patroniContainerProps("pg1")));
    });
});
