import { describe, it } from "node:test";
import { replicaBootstrappedFromOwnSlot } from "../rules/replicaBootstrappedFromOwnSlot";
import { clusterResources, COMMAND, CONTAINER, editConfig, editDcs, patroniClusterResources, propsOf, seedStepProps } from "./builders";
import {
    assertHasViolation, assertHasViolations, assertNoViolations, assertNotApplicable, stackArgs, TestResource, UNKNOWN_STRING, urnOf,
} from "./util";

function without(resources: TestResource[], name: string): TestResource[] {
    return resources
        .filter((r) => r.name !== name)
        .map((r) => ({ ...r, dependsOn: (r.dependsOn ?? []).filter((d) => d !== name) }));
}

function find(resources: TestResource[], name: string): TestResource {
    return resources.find((r) => r.name === name)!;
}

describe("replica-bootstrapped-from-own-slot", () => {
    const policy = replicaBootstrappedFromOwnSlot;

    it("passes a primary seeded by initdb and two standbys, each with its own slot and base backup", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(2)));
    });

    it("passes another node as the primary, when the seeds' roles follow it", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(2, "development", "pg1")));
    });

    it("passes a node that waits for its seed through another resource", async () => {
        const resources = clusterResources(2);
        resources.push({ type: COMMAND, name: "pg1-wait", props: { create: "true" }, dependsOn: ["pg1-seed"] });
        find(resources, "pg1").dependsOn = ["pg1-wait"];
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("reports a standby without a seed step", async () => {
        await assertHasViolation(policy, stackArgs(without(clusterResources(2), "pg2-seed")),
            "Node pg2 has no seed step (a command:local:Command with PGC_STEP=seed and PGC_NODE=pg2); " +
            "its container would start on an empty data volume.",
            urnOf(CONTAINER, "pg2"));
    });

    it("reports a primary without a seed step", async () => {
        await assertHasViolation(policy, stackArgs(without(clusterResources(2), "pg0-seed")),
            "Node pg0 has no seed step (a command:local:Command with PGC_STEP=seed and PGC_NODE=pg0); " +
            "its container would start on an empty data volume.",
            urnOf(CONTAINER, "pg0"));
    });

    it("reports a node with two seed steps", async () => {
        const resources = clusterResources(2);
        resources.push({ type: COMMAND, name: "pg1-seed-again", props: seedStepProps("pg1"), dependsOn: ["pg1-slot"] });
        await assertHasViolation(policy, stackArgs(resources),
            "Node pg1 has 2 seed steps (pg1-seed, pg1-seed-again); it needs exactly one.");
    });

    it("reports a standby whose seed would initialize a second cluster", async () => {
        const resources = clusterResources(2);
        propsOf(resources, "pg2-seed").environment.PGC_ROLE = "primary";
        await assertHasViolation(policy, stackArgs(resources),
            "The seed step of standby pg2 has PGC_ROLE \"primary\", not \"replica\"; on an empty volume it would not copy " +
            "the primary (a \"primary\" seed initializes a second, unrelated database).",
            urnOf(COMMAND, "pg2-seed"));
    });

    it("reports a standby seed without a role", async () => {
        const resources = clusterResources(2);
        delete propsOf(resources, "pg1-seed").environment.PGC_ROLE;
        await assertHasViolation(policy, stackArgs(resources),
            "The seed step of standby pg1 sets no PGC_ROLE, not \"replica\"; on an empty volume it would not copy " +
            "the primary (a \"primary\" seed initializes a second, unrelated database).");
    });

    it("reports a primary whose seed would not initialize the cluster", async () => {
        const resources = clusterResources(2);
        propsOf(resources, "pg0-seed").environment.PGC_ROLE = "replica";
        await assertHasViolation(policy, stackArgs(resources),
            "The seed step of node pg0, the primary (PGC_PRIMARY), has PGC_ROLE \"replica\", not \"primary\"; " +
            "it would not initialize the cluster on an empty volume.",
            urnOf(COMMAND, "pg0-seed"));
    });

    it("reports the seeds' roles when the primary step names another node", async () => {
        const resources = clusterResources(2);
        propsOf(resources, "primary").environment.PGC_PRIMARY = "pg1";
        await assertHasViolations(policy, stackArgs(resources), [
            "The seed step of node pg1, the primary (PGC_PRIMARY), has PGC_ROLE \"replica\", not \"primary\"; " +
            "it would not initialize the cluster on an empty volume.",
            "The seed step of standby pg0 has PGC_ROLE \"primary\", not \"replica\"; on an empty volume it would not copy " +
            "the primary (a \"primary\" seed initializes a second, unrelated database).",
        ]);
    });

    it("leaves role checks to primary-is-a-node when no primary step names the primary", async () => {
        const resources = without(clusterResources(2), "primary");
        propsOf(resources, "pg2-seed").environment.PGC_ROLE = "primary";
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("reports a standby seed without a slot", async () => {
        const resources = clusterResources(2);
        delete propsOf(resources, "pg2-seed").environment.PGC_SLOT;
        await assertHasViolation(policy, stackArgs(resources),
            "The seed step of standby pg2 sets no PGC_SLOT; pg_basebackup must stream through the standby's own " +
            "replication slot so the primary keeps the WAL it needs.",
            urnOf(COMMAND, "pg2-seed"));
    });

    it("reports two standbys sharing a slot", async () => {
        const resources = without(clusterResources(2), "pg2-slot");
        propsOf(resources, "pg2-seed").environment.PGC_SLOT = "pg1";
        find(resources, "pg2-seed").dependsOn = ["pg1-slot", "pg2-data"];
        await assertHasViolations(policy, stackArgs(resources), [
            "Standby pg1 shares replication slot \"pg1\" with standby pg2; each standby needs its own slot.",
            "Standby pg2 shares replication slot \"pg1\" with standby pg1; each standby needs its own slot.",
        ]);
    });

    it("reports a slot that no replication-slot step creates", async () => {
        await assertHasViolation(policy, stackArgs(without(clusterResources(2), "pg1-slot")),
            "Standby pg1 is seeded from slot \"pg1\" but no replication-slot step (PGC_STEP=replication-slot, PGC_SLOT=pg1) creates it.",
            urnOf(COMMAND, "pg1-seed"));
    });

    it("reports a standby seed that does not wait for its slot", async () => {
        const resources = clusterResources(2);
        find(resources, "pg1-seed").dependsOn = ["pg1-data"];
        await assertHasViolation(policy, stackArgs(resources),
            "The seed step of standby pg1 does not depend on the replication-slot step for slot \"pg1\"; " +
            "pg_basebackup could run before the slot exists.");
    });

    it("reports a node that does not wait for its seed", async () => {
        const resources = clusterResources(2);
        find(resources, "pg2").dependsOn = [];
        await assertHasViolation(policy, stackArgs(resources),
            "Node pg2 does not depend on its seed step; the container could start before its data is in place.",
            urnOf(CONTAINER, "pg2"));
    });

    it("reports a seed into another volume than the node's", async () => {
        const resources = clusterResources(2);
        propsOf(resources, "pg1-seed").environment.PGC_VOLUME = "pg-cluster-dev-pg2-data";
        await assertHasViolation(policy, stackArgs(resources),
            "The seed step of node pg1 writes into volume \"pg-cluster-dev-pg2-data\" but the node's data " +
            "directory is on volume \"pg-cluster-dev-pg1-data\".");
    });

    it("skips slot checks while the slot is unknown during preview", async () => {
        const resources = without(clusterResources(2), "pg1-slot");
        propsOf(resources, "pg1-seed").environment.PGC_SLOT = UNKNOWN_STRING;
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("skips role checks while the primary is unknown during preview", async () => {
        const resources = clusterResources(2);
        propsOf(resources, "primary").environment.PGC_PRIMARY = UNKNOWN_STRING;
        propsOf(resources, "pg2-seed").environment.PGC_ROLE = "primary";
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("checks a single node's seed", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(0)));
        await assertHasViolation(policy, stackArgs(without(clusterResources(0), "pg0-seed")),
            "Node pg0 has no seed step (a command:local:Command with PGC_STEP=seed and PGC_NODE=pg0); " +
            "its container would start on an empty data volume.");
    });

    it("does not apply to a stack without PostgreSQL nodes", async () => {
        await assertNotApplicable(policy, stackArgs(without(clusterResources(0), "pg0")));
    });
});

describe("replica-bootstrapped-from-own-slot with ha: patroni", () => {
    const policy = replicaBootstrappedFromOwnSlot;
    const DATA_DIR_WHERE = "(postgresql.data_dir in PGC_CONFIG of step pg1-member-conf)";

    it("passes Patroni members without seed or slot steps: Patroni makes the cluster, the copies and the slots", async () => {
        await assertNoViolations(policy, stackArgs(patroniClusterResources(2)));
    });

    it("does not take the etcd members for nodes without a seed step", async () => {
        await assertNoViolations(policy, stackArgs(patroniClusterResources(1, "development", 5)));
    });

    it("reports a seed step writing into a Patroni member's volume", async () => {
        const resources = patroniClusterResources(2);
        resources.push({ type: COMMAND, name: "pg1-seed", props: seedStepProps("pg1"), dependsOn: ["pg1-data"] });
        await assertHasViolation(policy, stackArgs(resources),
            "Node pg1 is a Patroni member, which makes the cluster or copies the leader by itself, but seed step pg1-seed " +
            "also writes into its volume; remove it (ha: patroni declares no seed step).",
            urnOf(CONTAINER, "pg1"));
    });

    it("reports replication slots turned off, on every member", async () => {
        const resources = patroniClusterResources(1);
        editDcs(resources, (dcs) => (dcs.postgresql.use_slots = false));
        await assertHasViolations(policy, stackArgs(resources), ["pg0", "pg1"].map((node) =>
            `Patroni runs node ${node} (in the DCS configuration, PGC_DCS_CONFIG of step dcs-config) without replication ` +
            "slots (postgresql.use_slots is false), so the leader may recycle WAL the member still needs, which must then be " +
            "copied afresh; set use_slots: true."));
    });

    it("reports a data directory outside the member's volume", async () => {
        const resources = patroniClusterResources(2);
        editConfig(propsOf(resources, "pg1-member-conf"), "PGC_CONFIG", (c) => (c.postgresql.data_dir = "/tmp/pgdata"));
        await assertHasViolation(policy, stackArgs(resources),
            `Patroni keeps the data of node pg1 in /tmp/pgdata ${DATA_DIR_WHERE}, which is on no named volume of its ` +
            "container, so it is lost when the container is replaced; put it on the member's data volume.",
            urnOf(CONTAINER, "pg1"));
    });

    it("reports a configuration without a data directory", async () => {
        const resources = patroniClusterResources(2);
        editConfig(propsOf(resources, "pg1-member-conf"), "PGC_CONFIG", (c) => delete c.postgresql.data_dir);
        await assertHasViolation(policy, stackArgs(resources),
            `The Patroni configuration of node pg1 sets no data directory ${DATA_DIR_WHERE}; Patroni does not start without one.`,
            urnOf(COMMAND, "pg1-member-conf"));
    });

    it("reports a member-conf step writing into another volume than the member's data volume", async () => {
        const resources = patroniClusterResources(2);
        propsOf(resources, "pg1-member-conf").environment.PGC_VOLUME = "pg-cluster-dev-pg2-data";
        await assertHasViolation(policy, stackArgs(resources),
            "The member-conf step of node pg1 writes its configuration into volume \"pg-cluster-dev-pg2-data\" but the " +
            "node's data directory is on volume \"pg-cluster-dev-pg1-data\".",
            urnOf(CONTAINER, "pg1"));
    });
});
