import { describe, it } from "node:test";
import { productionMonitoring } from "../rules/productionMonitoring";
import { clusterResources, CONTAINER, MONITORING_PASSWORD, patroniClusterResources, prometheusProps, propsOf, setDcsParameter, setEnv, setSetting } from "./builders";
import { assertHasViolation, assertHasViolations, assertNoViolations, stackArgs, TestResource, urnOf } from "./util";

const EXPORTER = "pg-cluster-prod-pg1-exporter";
const TURN_ON = "`pulumi config set pg-cluster:monitoring true`";
const MONITORING_ROLE = "the monitoring role, a member of pg_monitor only (pg-cluster:monitoringUser, default \"monitoring\")";

const production = () => clusterResources(2, "production");

function without(resources: TestResource[], ...names: string[]): TestResource[] {
    return resources
        .filter((r) => !names.includes(r.name))
        .map((r) => ({ ...r, dependsOn: (r.dependsOn ?? []).filter((d) => !names.includes(d)) }));
}

function label(props: Record<string, any>, name: string, value: string): void {
    props.labels.find((l: { label: string }) => l.label === name).value = value;
}

describe("production-monitoring", () => {
    const policy = productionMonitoring;
    const noExporter = (node: string) =>
        `Node ${node} has no metrics exporter (a container labelled pg-cluster.monitoring=exporter and pg-cluster.monitors=${node}), ` +
        `so nothing alerts when it is down or falls behind; pg-cluster declares one per node with ${TURN_ON}.`;
    const noTls = (asked: string, where = "DATA_SOURCE_URI") =>
        `Exporter "${EXPORTER}" connects to pg1, which runs with ssl=on, ${asked}, which does not check the node's certificate; ` +
        `add sslmode=verify-full and sslrootcert=<the cluster's CA certificate, uploaded> to ${where} so nothing posing as ` +
        "the node gets the monitoring password.";
    const pg1Exporter = (resources: TestResource[]) => propsOf(resources, "pg1-exporter");

    it("passes a production stack with an exporter per node and one Prometheus", async () => {
        await assertNoViolations(policy, stackArgs(production()));
    });

    it("passes a development stack without monitoring", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(2, "development")));
    });

    it("passes a staging stack without monitoring (only production requires it)", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(2, "staging", "pg0", false)));
    });

    it("reports a production stack with monitoring off, once", async () => {
        await assertHasViolation(policy, stackArgs(clusterResources(2, "production", "pg0", false)),
            "Production stack has no monitoring: no metrics exporter for its nodes (pg0, pg1, pg2) and no Prometheus, so " +
            "nothing alerts when a node is down, a standby stops streaming or a slot fills the disk; turn it on with " +
            `${TURN_ON}.`);
    });

    it("reports a node without an exporter, on the node", async () => {
        await assertHasViolation(policy, stackArgs(without(production(), "pg2-exporter")), noExporter("pg2"), urnOf(CONTAINER, "pg2"));
    });

    it("reports a node whose exporter watches another node", async () => {
        const resources = production();
        label(pg1Exporter(resources), "pg-cluster.monitors", "pg2");
        await assertHasViolation(policy, stackArgs(resources), noExporter("pg1"));
    });

    it("does not take a node label on an exporter for the monitors label", async () => {
        const resources = production();
        const labels = pg1Exporter(resources).labels as Array<{ label: string; value: string }>;
        pg1Exporter(resources).labels = labels.filter((l) => l.label !== "pg-cluster.monitors");
        await assertHasViolation(policy, stackArgs(resources), noExporter("pg1"));
    });

    it("reports a stack without Prometheus", async () => {
        await assertHasViolation(policy, stackArgs(without(production(), "prometheus")),
            "Production stack has no Prometheus (a container labelled pg-cluster.monitoring=prometheus), so the exporters' " +
            `metrics are neither collected nor alerted on; pg-cluster declares one with ${TURN_ON}.`);
    });

    it("reports two Prometheus containers", async () => {
        const resources = production();
        const second = prometheusProps({ environment: "production" });
        second.name = "pg-cluster-prod-prometheus-2";
        resources.push({ type: CONTAINER, name: "prometheus-2", props: second });
        await assertHasViolation(policy, stackArgs(resources),
            "Production stack has 2 Prometheus containers (pg-cluster-prod-prometheus, pg-cluster-prod-prometheus-2); it needs " +
            "exactly one: each evaluates the alert rules, so every alert would fire once per Prometheus.");
    });

    it("reports an exporter that logs in as postgres, on the exporter", async () => {
        const resources = production();
        setEnv(pg1Exporter(resources), "DATA_SOURCE_USER", "postgres");
        await assertHasViolation(policy, stackArgs(resources),
            `Exporter "${EXPORTER}" logs in as the superuser "postgres" (DATA_SOURCE_USER), which a compromised exporter could ` +
            `use to read or change anything; set DATA_SOURCE_USER to ${MONITORING_ROLE}.`,
            urnOf(CONTAINER, "pg1-exporter"));
    });

    it("reports an exporter that reads the user postgres from DATA_SOURCE_USER_FILE, which wins over DATA_SOURCE_USER", async () => {
        const resources = production();
        const props = pg1Exporter(resources);
        setEnv(props, "DATA_SOURCE_USER_FILE", "/etc/pg-cluster/monitoring-user");
        props.uploads.push({ file: "/etc/pg-cluster/monitoring-user", content: "postgres\n" });
        await assertHasViolation(policy, stackArgs(resources),
            `Exporter "${EXPORTER}" logs in as the superuser "postgres" (DATA_SOURCE_USER), which a compromised exporter could ` +
            `use to read or change anything; set DATA_SOURCE_USER to ${MONITORING_ROLE}.`);
    });

    it("reports an exporter without DATA_SOURCE_USER", async () => {
        const resources = production();
        setEnv(pg1Exporter(resources), "DATA_SOURCE_USER", undefined);
        await assertHasViolation(policy, stackArgs(resources),
            `Exporter "${EXPORTER}" sets no DATA_SOURCE_USER, so it logs in as whatever user its driver defaults to; ` +
            `set it to ${MONITORING_ROLE}.`);
    });

    it("reports sslmode=require against a node with ssl=on", async () => {
        const resources = production();
        setEnv(pg1Exporter(resources), "DATA_SOURCE_URI", "pg1:5432/postgres?sslmode=require");
        await assertHasViolation(policy, stackArgs(resources), noTls("with sslmode=require (DATA_SOURCE_URI)"));
    });

    it("reports a URI without sslmode against a node with ssl=on", async () => {
        const resources = production();
        setEnv(pg1Exporter(resources), "DATA_SOURCE_URI", "pg1:5432/postgres");
        await assertHasViolation(policy, stackArgs(resources), noTls("with no sslmode in DATA_SOURCE_URI, so its driver uses require"));
    });

    it("passes sslmode=disable against a node with ssl=off (ssl-on-every-node reports the node)", async () => {
        const resources = production();
        setSetting(propsOf(resources, "pg1"), "ssl", "off");
        setEnv(pg1Exporter(resources), "DATA_SOURCE_URI", "pg1:5432/postgres?sslmode=disable");
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("reports DATA_SOURCE_PASS", async () => {
        const resources = production();
        const props = pg1Exporter(resources);
        setEnv(props, "DATA_SOURCE_PASS_FILE", undefined);
        setEnv(props, "DATA_SOURCE_PASS", MONITORING_PASSWORD);
        await assertHasViolation(policy, stackArgs(resources),
            `Exporter "${EXPORTER}" has its password in DATA_SOURCE_PASS, in its environment, where docker inspect shows it; ` +
            "upload the password as a file and set DATA_SOURCE_PASS_FILE instead.");
    });

    it("reports DATA_SOURCE_NAME, and checks the sslmode in it", async () => {
        const resources = production();
        setEnv(pg1Exporter(resources), "DATA_SOURCE_NAME", `postgresql://monitoring:${MONITORING_PASSWORD}@pg1:5432/postgres?sslmode=prefer`);
        await assertHasViolations(policy, stackArgs(resources), [
            `Exporter "${EXPORTER}" sets DATA_SOURCE_NAME, a whole connection string with its password, in its environment, ` +
            "where docker inspect shows it; set DATA_SOURCE_URI, DATA_SOURCE_USER and DATA_SOURCE_PASS_FILE (a file the " +
            "container uploads) instead.",
            noTls("with sslmode=prefer (DATA_SOURCE_NAME)", "DATA_SOURCE_NAME"),
        ]);
    });

    it("reports a password in DATA_SOURCE_URI", async () => {
        const resources = production();
        setEnv(pg1Exporter(resources), "DATA_SOURCE_URI", "pg1:5432/postgres?password=hunter2&sslmode=verify-full");
        await assertHasViolation(policy, stackArgs(resources),
            `Exporter "${EXPORTER}" has a password in DATA_SOURCE_URI (password=…), in its environment, where docker inspect ` +
            "shows it; remove it and set DATA_SOURCE_PASS_FILE instead.");
    });
});

describe("production-monitoring with ha: patroni", () => {
    const policy = productionMonitoring;
    const patroniProduction = () => patroniClusterResources(2, "production");

    it("passes a Patroni production stack with an exporter per member and one Prometheus, and none for the etcd members", async () => {
        await assertNoViolations(policy, stackArgs(patroniProduction()));
    });

    it("reports an exporter's sslmode=require against members whose DCS configuration has ssl=on", async () => {
        const resources = patroniProduction();
        setEnv(propsOf(resources, "pg1-exporter"), "DATA_SOURCE_URI", "pg1:5432/postgres?sslmode=require");
        await assertHasViolation(policy, stackArgs(resources),
            `Exporter "${EXPORTER}" connects to pg1, which runs with ssl=on, with sslmode=require (DATA_SOURCE_URI), which does ` +
            "not check the node's certificate; add sslmode=verify-full and sslrootcert=<the cluster's CA certificate, " +
            "uploaded> to DATA_SOURCE_URI so nothing posing as the node gets the monitoring password.");
    });

    it("passes sslmode=disable against members whose DCS configuration has ssl off (ssl-on-every-node reports it)", async () => {
        const resources = patroniProduction();
        setDcsParameter(resources, "ssl", "off");
        setEnv(propsOf(resources, "pg1-exporter"), "DATA_SOURCE_URI", "pg1:5432/postgres?sslmode=disable");
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("reports a Patroni member without an exporter", async () => {
        await assertHasViolation(policy, stackArgs(without(patroniProduction(), "pg2-exporter")),
            "Node pg2 has no metrics exporter (a container labelled pg-cluster.monitoring=exporter and pg-cluster.monitors=pg2), " +
            `so nothing alerts when it is down or falls behind; pg-cluster declares one per node with ${TURN_ON}.`,
            urnOf(CONTAINER, "pg2"));
    });
});
