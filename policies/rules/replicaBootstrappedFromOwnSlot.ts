import { StackValidationPolicy } from "@pulumi/policy";
import { commandStepsOf, dependsOn, listNodes, nodesOf, PgNode, Step, stepKind, stepValue } from "../lib/cluster";
import { dataMountOf, pgdataOf } from "../lib/container";
import { STEP_BASE_BACKUP, STEP_REPLICATION_SLOT } from "../lib/types";
import { isKnown, quote, UNKNOWN } from "../lib/values";

// A replica whose base backup did not stream through its own slot can miss WAL the primary
// recycled meanwhile; two replicas on one slot let the primary drop WAL one of them still needs.
// A replica container that starts before its base backup finds an empty volume and initdb's a
// second, unrelated primary.
//
// During preview a step's environment is often wholly unknown (it names other resources'
// containers, network, volume or image), so a command may be any step. Whatever depends on such a
// command is left undecided here; it is decided during the update, when the inputs are known.
export const replicaBootstrappedFromOwnSlot: StackValidationPolicy = {
    name: "replica-bootstrapped-from-own-slot",
    description: "Every replica is bootstrapped by exactly one base-backup step that streams through its own replication slot.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const replicas = nodesOf(args.resources).filter((n) => n.role === "replica");
        if (replicas.length === 0) {
            return args.notApplicable("the stack declares no replica");
        }
        const steps = commandStepsOf(args.resources);
        const ofUnknownKind = steps.filter((s) => !isKnown(stepKind(s)));
        const baseBackups = steps.filter((s) => stepKind(s) === STEP_BASE_BACKUP);
        const slotSteps = steps.filter((s) => stepKind(s) === STEP_REPLICATION_SLOT);
        // A command that may still turn out to be some replica's base backup.
        const undecidedBaseBackups = ofUnknownKind.length > 0 || baseBackups.some((s) => !isKnown(stepValue(s, "PGC_NODE")));

        const bootstraps: Array<{ replica: PgNode; step: Step; slot: string }> = [];
        for (const replica of replicas) {
            if (!isKnown(replica.name)) {
                continue;
            }
            const own = baseBackups.filter((s) => stepValue(s, "PGC_NODE") === replica.name);
            if (own.length === 0) {
                if (!undecidedBaseBackups) {
                    reportViolation(
                        `Replica ${replica.node} has no base-backup step (a command:local:Command with PGC_STEP=base-backup ` +
                        `and PGC_NODE=${replica.node}); it would start from an empty data directory instead of a copy of the primary.`,
                        replica.resource.urn);
                }
                continue;
            }
            if (own.length > 1) {
                reportViolation(
                    `Replica ${replica.node} has ${own.length} base-backup steps ` +
                    `(${listNodes(own.map((s) => s.resource.name))}); it needs exactly one.`,
                    replica.resource.urn);
                continue;
            }
            const step = own[0];
            if (!dependsOn(replica.resource, step.resource)) {
                reportViolation(
                    `Replica ${replica.node} does not depend on its base-backup step; the container could start, ` +
                    "and initdb an empty data directory, before the copy of the primary is in place.",
                    replica.resource.urn);
            }
            const volume = stepValue(step, "PGC_VOLUME");
            const pgdata = pgdataOf(replica.resource.props);
            const mount = isKnown(pgdata) ? dataMountOf(replica.resource.props, pgdata) : UNKNOWN;
            if (typeof volume === "string" && isKnown(mount) && mount?.volumeName !== undefined && mount.volumeName !== volume) {
                reportViolation(
                    `The base-backup step of replica ${replica.node} writes into volume ${quote(volume)} ` +
                    `but the replica's data directory is on volume ${quote(mount.volumeName)}.`,
                    replica.resource.urn);
            }
            const slot = stepValue(step, "PGC_SLOT");
            if (slot === undefined) {
                reportViolation(
                    `The base-backup step of replica ${replica.node} sets no PGC_SLOT; pg_basebackup must stream ` +
                    "through the replica's own replication slot so the primary keeps the WAL it needs.",
                    step.resource.urn);
            } else if (isKnown(slot)) {
                bootstraps.push({ replica, step, slot });
            }
        }

        // Commands that may still turn out to create any slot.
        const undecidedCreators = [...ofUnknownKind, ...slotSteps.filter((s) => !isKnown(stepValue(s, "PGC_SLOT")))];
        for (const { replica, step, slot } of bootstraps) {
            const sharing = bootstraps.filter((b) => b.slot === slot && b.replica !== replica).map((b) => b.replica.node);
            if (sharing.length > 0) {
                reportViolation(
                    `Replica ${replica.node} shares replication slot ${quote(slot)} with replica ${listNodes(sharing)}; ` +
                    "each replica needs its own slot.",
                    replica.resource.urn);
            }
            const creators = slotSteps.filter((s) => stepValue(s, "PGC_SLOT") === slot);
            if (creators.length === 0) {
                if (undecidedCreators.length === 0) {
                    reportViolation(
                        `Replica ${replica.node} bootstraps from slot ${quote(slot)} but no replication-slot step ` +
                        `(PGC_STEP=replication-slot, PGC_SLOT=${slot}) creates it.`,
                        step.resource.urn);
                }
            } else if (![...creators, ...undecidedCreators].some((c) => dependsOn(step.resource, c.resource))) {
                reportViolation(
                    `The base-backup step of replica ${replica.node} does not depend on the replication-slot step ` +
                    `for slot ${quote(slot)}; pg_basebackup could run before the slot exists.`,
                    step.resource.urn);
            }
        }
    },
};
