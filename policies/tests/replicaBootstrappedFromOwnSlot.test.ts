import { describe, it } from "node:test";
import { replicaBootstrappedFromOwnSlot } from "../rules/replicaBootstrappedFromOwnSlot";
import { baseBackupStepProps, clusterResources, COMMAND, CONTAINER, propsOf } from "./builders";
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

    it("passes two replicas, each with its own slot and base backup", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(2)));
    });

    it("passes a replica that waits for its base backup through another resource", async () => {
        const resources = clusterResources(2);
        resources.push({ type: COMMAND, name: "pg1-wait", props: { create: "true" }, dependsOn: ["pg1-base-backup"] });
        find(resources, "pg1").dependsOn = ["pg1-wait"];
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("reports a replica without a base-backup step", async () => {
        await assertHasViolation(policy, stackArgs(without(clusterResources(2), "pg2-base-backup")),
            "Replica pg2 has no base-backup step (a command:local:Command with PGC_STEP=base-backup and PGC_NODE=pg2); " +
            "it would start from an empty data directory instead of a copy of the primary.",
            urnOf(CONTAINER, "pg2"));
    });

    it("reports a replica with two base-backup steps", async () => {
        const resources = clusterResources(2);
        resources.push({ type: COMMAND, name: "pg1-base-backup-again", props: baseBackupStepProps("pg1"), dependsOn: ["pg1-slot"] });
        await assertHasViolation(policy, stackArgs(resources),
            "Replica pg1 has 2 base-backup steps (pg1-base-backup, pg1-base-backup-again); it needs exactly one.");
    });

    it("reports a base-backup step without a slot", async () => {
        const resources = clusterResources(2);
        delete propsOf(resources, "pg2-base-backup").environment.PGC_SLOT;
        await assertHasViolation(policy, stackArgs(resources),
            "The base-backup step of replica pg2 sets no PGC_SLOT; pg_basebackup must stream through the replica's own " +
            "replication slot so the primary keeps the WAL it needs.",
            urnOf(COMMAND, "pg2-base-backup"));
    });

    it("reports two replicas sharing a slot", async () => {
        const resources = without(clusterResources(2), "pg2-slot");
        propsOf(resources, "pg2-base-backup").environment.PGC_SLOT = "pg1";
        find(resources, "pg2-base-backup").dependsOn = ["pg1-slot", "pg2-data"];
        await assertHasViolations(policy, stackArgs(resources), [
            "Replica pg1 shares replication slot \"pg1\" with replica pg2; each replica needs its own slot.",
            "Replica pg2 shares replication slot \"pg1\" with replica pg1; each replica needs its own slot.",
        ]);
    });

    it("reports a slot that no replication-slot step creates", async () => {
        await assertHasViolation(policy, stackArgs(without(clusterResources(2), "pg1-slot")),
            "Replica pg1 bootstraps from slot \"pg1\" but no replication-slot step (PGC_STEP=replication-slot, PGC_SLOT=pg1) creates it.",
            urnOf(COMMAND, "pg1-base-backup"));
    });

    it("reports a base backup that does not wait for its slot", async () => {
        const resources = clusterResources(2);
        find(resources, "pg1-base-backup").dependsOn = ["pg1-data"];
        await assertHasViolation(policy, stackArgs(resources),
            "The base-backup step of replica pg1 does not depend on the replication-slot step for slot \"pg1\"; " +
            "pg_basebackup could run before the slot exists.");
    });

    it("reports a replica that does not wait for its base backup", async () => {
        const resources = clusterResources(2);
        find(resources, "pg2").dependsOn = [];
        await assertHasViolation(policy, stackArgs(resources),
            "Replica pg2 does not depend on its base-backup step; the container could start, and initdb an empty data " +
            "directory, before the copy of the primary is in place.",
            urnOf(CONTAINER, "pg2"));
    });

    it("reports a base backup into another volume than the replica's", async () => {
        const resources = clusterResources(2);
        propsOf(resources, "pg1-base-backup").environment.PGC_VOLUME = "pg-cluster-dev-pg2-data";
        await assertHasViolation(policy, stackArgs(resources),
            "The base-backup step of replica pg1 writes into volume \"pg-cluster-dev-pg2-data\" but the replica's data " +
            "directory is on volume \"pg-cluster-dev-pg1-data\".");
    });

    it("skips slot checks while the slot is unknown during preview", async () => {
        const resources = without(clusterResources(2), "pg1-slot");
        propsOf(resources, "pg1-base-backup").environment.PGC_SLOT = UNKNOWN_STRING;
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("does not apply to a stack without replicas", async () => {
        await assertNotApplicable(policy, stackArgs(clusterResources(0)));
    });
});
