import { describe, it } from "node:test";
import { pgHbaOnEveryNode } from "../rules/pgHbaOnEveryNode";
import { clusterResources, COMMAND, confStepProps, CONTAINER, editConfig, patroniClusterResources, propsOf, removeSetting, setDcsParameter } from "./builders";
import { assertHasViolation, assertHasViolations, assertNoViolations, stackArgs, TestResource, UNKNOWN_STRING, urnOf } from "./util";

function without(resources: TestResource[], name: string): TestResource[] {
    return resources
        .filter((r) => r.name !== name)
        .map((r) => ({ ...r, dependsOn: (r.dependsOn ?? []).filter((d) => d !== name) }));
}

function find(resources: TestResource[], name: string): TestResource {
    return resources.find((r) => r.name === name)!;
}

describe("pg-hba-on-every-node", () => {
    const policy = pgHbaOnEveryNode;

    it("passes every node with its own conf step, all with the same pg_hba.conf", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(2)));
    });

    it("reports a node without a conf step", async () => {
        await assertHasViolation(policy, stackArgs(without(clusterResources(2), "pg2-conf")),
            "Node pg2 has no conf step (a command:local:Command with PGC_STEP=conf and PGC_NODE=pg2); nothing writes the " +
            "pg_hba.conf (and certificate) it reads.",
            urnOf(CONTAINER, "pg2"));
    });

    it("reports a node with two conf steps", async () => {
        const resources = clusterResources(2);
        resources.push({ type: COMMAND, name: "pg1-conf-again", props: confStepProps("pg1") });
        await assertHasViolation(policy, stackArgs(resources), "Node pg1 has 2 conf steps (pg1-conf, pg1-conf-again); it needs exactly one.");
    });

    it("passes a standby that waits for its conf step through its seed", async () => {
        const resources = clusterResources(2);
        find(resources, "pg1").dependsOn = ["pg1-seed", "network"];
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("reports a node that does not wait for its conf step", async () => {
        const resources = clusterResources(2);
        // A standby's seed waits for its conf step (the base backup checks the primary's certificate); the primary's does not.
        find(resources, "pg0").dependsOn = ["pg0-seed", "network"];
        await assertHasViolation(policy, stackArgs(resources),
            "Node pg0 does not depend on its conf step; the server could start before its pg_hba.conf and certificate are in place.");
    });

    it("reports a node that does not read the conf step's pg_hba.conf", async () => {
        const resources = clusterResources(2);
        removeSetting(find(resources, "pg2").props, "hba_file");
        await assertHasViolation(policy, stackArgs(resources),
            "Node pg2 does not set hba_file, so it reads the pg_hba.conf in its data directory, not the one its conf step " +
            "writes (PGC_HBA); set hba_file to that file.");
    });

    it("reports a conf step without PGC_HBA", async () => {
        const resources = clusterResources(2);
        delete find(resources, "pg1-conf").props.environment.PGC_HBA;
        await assertHasViolation(policy, stackArgs(resources),
            "The conf step of node pg1 sets no PGC_HBA; the node would have no pg_hba.conf.", urnOf(COMMAND, "pg1-conf"));
    });

    it("reports nodes given different pg_hba.conf", async () => {
        const resources = clusterResources(2);
        find(resources, "pg2-conf").props.environment.PGC_HBA += "hostssl all app 10.0.0.0/8 scram-sha-256\n";
        await assertHasViolation(policy, stackArgs(resources),
            "The nodes' conf steps do not give them the same pg_hba.conf (PGC_HBA): {pg0, pg1} {pg2} differ; after a failover " +
            "the new primary would let in other logins than the old one. Give every node the same rules.");
    });

    it("does not report a missing conf step while a command's environment is unknown", async () => {
        const resources = without(clusterResources(2), "pg2-conf");
        find(resources, "pg1-seed").props = { ...find(resources, "pg1-seed").props, environment: UNKNOWN_STRING };
        await assertNoViolations(policy, stackArgs(resources));
    });
});

describe("pg-hba-on-every-node with ha: patroni", () => {
    const policy = pgHbaOnEveryNode;
    const noHbaFile = (node: string, where: string) =>
        `Node ${node}${where} does not set hba_file, so it reads the pg_hba.conf in its data directory, not the one its ` +
        "conf step writes (PGC_HBA); set hba_file to that file.";

    it("passes Patroni members with their conf steps and hba_file in the DCS configuration", async () => {
        await assertNoViolations(policy, stackArgs(patroniClusterResources(2)));
    });

    it("does not take the etcd members for nodes without a conf step", async () => {
        await assertNoViolations(policy, stackArgs(patroniClusterResources(1, "development", 5)));
    });

    it("reports a DCS configuration without hba_file, on every member", async () => {
        const resources = patroniClusterResources(1);
        setDcsParameter(resources, "hba_file", undefined);
        await assertHasViolations(policy, stackArgs(resources), ["pg0", "pg1"].map((node) =>
            noHbaFile(node, " (in the DCS configuration, PGC_DCS_CONFIG of step dcs-config)")));
    });

    it("reports one member's bootstrap.dcs without hba_file", async () => {
        const resources = patroniClusterResources(1);
        editConfig(propsOf(resources, "pg1-member-conf"), "PGC_CONFIG", (c) => delete c.bootstrap.dcs.postgresql.parameters.hba_file);
        await assertHasViolation(policy, stackArgs(resources),
            noHbaFile("pg1", " (in bootstrap.dcs of its Patroni configuration, PGC_CONFIG of step pg1-member-conf)"),
            urnOf(CONTAINER, "pg1"));
    });

    it("reports a Patroni member without a conf step", async () => {
        await assertHasViolation(policy, stackArgs(without(patroniClusterResources(2), "pg2-conf")),
            "Node pg2 has no conf step (a command:local:Command with PGC_STEP=conf and PGC_NODE=pg2); nothing writes the " +
            "pg_hba.conf (and certificate) it reads.",
            urnOf(CONTAINER, "pg2"));
    });
});
