import { StackValidationPolicy } from "@pulumi/policy";
import { dependsOn, listNodes, nodesOf, Step, stepsOf, stepVar } from "../lib/cluster";
import { dataMountOf, pgdataOf } from "../lib/container";
import { STEP_BASE_BACKUP, STEP_REPLICATION_SLOT } from "../lib/types";
import { isKnown, quote } from "../lib/values";

// A replica whose base backup did not stream through its own slot can miss WAL the primary
// recycled meanwhile; two replicas on one slot let the primary drop WAL one of them still needs.
// A replica container that starts before its base backup finds an empty volume and initdb's a
// second, unrelated primary.
export const replicaBootstrappedFromOwnSlot: StackValidationPolicy = {
    name: "replica-bootstrapped-from-own-slot",
    description: "Every replica is bootstrapped by exactly one base-backup step that streams through its own replication slot.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const replicas = nodesOf(args.resources).filter((n) => n.role === "replica");
        if (replicas.length === 0) {
            return args.notApplicable("the stack declares no replica");
        }
        const baseBackups = stepsOf(args.resources, STEP_BASE_BACKUP);
        const slotSteps = stepsOf(args.resources, STEP_REPLICATION_SLOT);

        const bootstraps: Array<{ replica: (typeof replicas)[number]; step: Step; slot: string }> = [];
        for (const replica of replicas) {
            const steps = baseBackups.filter((s) => stepVar(s, "PGC_NODE") === replica.node);
            if (steps.length === 0) {
                reportViolation(
                    `Replica ${replica.node} has no base-backup step (a command:local:Command with PGC_STEP=base-backup ` +
                    `and PGC_NODE=${replica.node}); it would start from an empty data directory instead of a copy of the primary.`,
                    replica.resource.urn);
                continue;
            }
            if (steps.length > 1) {
                reportViolation(
                    `Replica ${replica.node} has ${steps.length} base-backup steps ` +
                    `(${listNodes(steps.map((s) => s.resource.name))}); it needs exactly one.`,
                    replica.resource.urn);
                continue;
            }
            const step = steps[0];
            if (!dependsOn(replica.resource, step.resource)) {
                reportViolation(
                    `Replica ${replica.node} does not depend on its base-backup step; the container could start, ` +
                    "and initdb an empty data directory, before the copy of the primary is in place.",
                    replica.resource.urn);
            }
            const volume = stepVar(step, "PGC_VOLUME");
            const mount = dataMountOf(replica.resource.props, pgdataOf(replica.resource.props));
            if (volume !== undefined && isKnown(mount) && mount?.volumeName !== undefined && mount.volumeName !== volume) {
                reportViolation(
                    `The base-backup step of replica ${replica.node} writes into volume ${quote(volume)} ` +
                    `but the replica's data directory is on volume ${quote(mount.volumeName)}.`,
                    replica.resource.urn);
            }
            if (isKnown(step.env.get("PGC_SLOT"))) {
                const slot = stepVar(step, "PGC_SLOT");
                if (slot === undefined) {
                    reportViolation(
                        `The base-backup step of replica ${replica.node} sets no PGC_SLOT; pg_basebackup must stream ` +
                        "through the replica's own replication slot so the primary keeps the WAL it needs.",
                        step.resource.urn);
                } else {
                    bootstraps.push({ replica, step, slot });
                }
            }
        }

        for (const { replica, step, slot } of bootstraps) {
            const sharing = bootstraps.filter((b) => b.slot === slot && b.replica !== replica).map((b) => b.replica.node);
            if (sharing.length > 0) {
                reportViolation(
                    `Replica ${replica.node} shares replication slot ${quote(slot)} with replica ${listNodes(sharing)}; ` +
                    "each replica needs its own slot.",
                    replica.resource.urn);
            }
            const creators = slotSteps.filter((s) => stepVar(s, "PGC_SLOT") === slot);
            if (creators.length === 0) {
                reportViolation(
                    `Replica ${replica.node} bootstraps from slot ${quote(slot)} but no replication-slot step ` +
                    `(PGC_STEP=replication-slot, PGC_SLOT=${slot}) creates it.`,
                    step.resource.urn);
            } else if (!creators.some((c) => dependsOn(step.resource, c.resource))) {
                reportViolation(
                    `The base-backup step of replica ${replica.node} does not depend on the replication-slot step ` +
                    `for slot ${quote(slot)}; pg_basebackup could run before the slot exists.`,
                    step.resource.urn);
            }
        }
    },
};
