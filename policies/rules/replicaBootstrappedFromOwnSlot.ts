import { StackValidationPolicy } from "@pulumi/policy";
import { PolicyResource, ReportViolation } from "@pulumi/policy";
import {
    commandStepsOf, dependsOn, listNodes, memberConfStepsOf, nodesOf, PgNode, primaryNameOf, Step, stepConfig, stepKind, stepValue,
} from "../lib/cluster";
import { dataMountOf, pgdataOf } from "../lib/container";
import { dcsPostgresqlFlag, isPatroniConfig, objectAt, textAt, UNREADABLE } from "../lib/patroni";
import { SEED_ROLE_PRIMARY, SEED_ROLE_REPLICA, STEP_REPLICATION_SLOT, STEP_SEED } from "../lib/types";
import { isKnown, quote, UNKNOWN } from "../lib/values";

// Node containers carry no password: whatever is on a node's volume when it first starts is put
// there by the node's seed step. A container that starts before its seed, or a seed that writes
// into another volume, leaves the node without its data. The primary's seed initializes the
// cluster; a standby's seed copies the primary through the standby's own slot: a standby whose
// base backup did not stream through its own slot can miss WAL the primary recycled meanwhile,
// two standbys on one slot let the primary drop WAL one of them still needs, and a standby whose
// seed initializes instead of copying starts a second, unrelated database.
//
// During preview a step's environment is often wholly unknown (it names other resources'
// containers, network, volume or image), so a command may be any step, and which node is the
// primary (the primary step's PGC_PRIMARY) may be unknown. Whatever depends on such a value is
// left undecided here; it is decided during the update, when the inputs are known.
//
// Under `ha: patroni` Patroni fills a member's volume itself (initdb on the member that makes the
// cluster, a base backup from the leader on the others) and keeps a slot on the leader for every
// member (use_slots, its default): a seed step would write into a volume Patroni also writes
// into, and without slots the leader recycles WAL a lagging member still needs. What Patroni
// fills is its configuration's postgresql.data_dir, which must be on the member's named volume
// that its member-conf step writes the configuration into.
export const replicaBootstrappedFromOwnSlot: StackValidationPolicy = {
    name: "replica-bootstrapped-from-own-slot",
    description:
        "Every node is seeded by exactly one seed step before its container starts; a standby's seed streams a base backup " +
        "through its own replication slot. A Patroni member has no seed step, its data directory on its named volume, " +
        "and replication slots on.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const nodes = nodesOf(args.resources);
        if (nodes.length === 0) {
            return args.notApplicable("the stack declares no PostgreSQL node");
        }
        const primary = primaryNameOf(args.resources);
        const steps = commandStepsOf(args.resources);
        const ofUnknownKind = steps.filter((s) => !isKnown(stepKind(s)));
        const seeds = steps.filter((s) => stepKind(s) === STEP_SEED);
        const slotSteps = steps.filter((s) => stepKind(s) === STEP_REPLICATION_SLOT);
        // A command that may still turn out to be some node's seed.
        const undecidedSeeds = ofUnknownKind.length > 0 || seeds.some((s) => !isKnown(stepValue(s, "PGC_NODE")));

        const bootstraps: Array<{ standby: PgNode; step: Step; slot: string }> = [];
        for (const node of nodes) {
            if (!isKnown(node.name)) {
                continue;
            }
            if (node.patroni) {
                checkPatroniMember(args.resources, node, seeds.filter((s) => stepValue(s, "PGC_NODE") === node.name), reportViolation);
                continue;
            }
            const own = seeds.filter((s) => stepValue(s, "PGC_NODE") === node.name);
            if (own.length === 0) {
                if (!undecidedSeeds) {
                    reportViolation(
                        `Node ${node.node} has no seed step (a command:local:Command with PGC_STEP=seed and ` +
                        `PGC_NODE=${node.node}); its container would start on an empty data volume.`,
                        node.resource.urn);
                }
                continue;
            }
            if (own.length > 1) {
                reportViolation(
                    `Node ${node.node} has ${own.length} seed steps ` +
                    `(${listNodes(own.map((s) => s.resource.name))}); it needs exactly one.`,
                    node.resource.urn);
                continue;
            }
            const step = own[0];
            if (!dependsOn(node.resource, step.resource)) {
                reportViolation(
                    `Node ${node.node} does not depend on its seed step; the container could start before its data ` +
                    "is in place.",
                    node.resource.urn);
            }
            const volume = stepValue(step, "PGC_VOLUME");
            const pgdata = pgdataOf(node.resource.props);
            const mount = isKnown(pgdata) ? dataMountOf(node.resource.props, pgdata) : UNKNOWN;
            if (typeof volume === "string" && isKnown(mount) && mount?.volumeName !== undefined && mount.volumeName !== volume) {
                reportViolation(
                    `The seed step of node ${node.node} writes into volume ${quote(volume)} ` +
                    `but the node's data directory is on volume ${quote(mount.volumeName)}.`,
                    node.resource.urn);
            }

            // What the seed must do depends on the node's role: decided once the primary is known
            // (primary-is-a-node reports a stack that names none).
            if (!isKnown(primary) || primary === undefined) {
                continue;
            }
            const role = stepValue(step, "PGC_ROLE");
            if (!isKnown(role)) {
                continue;
            }
            const roleText = role === undefined ? "sets no PGC_ROLE" : `has PGC_ROLE ${quote(role)}`;
            if (node.name === primary) {
                if (role !== SEED_ROLE_PRIMARY) {
                    reportViolation(
                        `The seed step of node ${node.node}, the primary (PGC_PRIMARY), ${roleText}, not "primary"; ` +
                        "it would not initialize the cluster on an empty volume.",
                        step.resource.urn);
                }
                continue;
            }
            if (role !== SEED_ROLE_REPLICA) {
                reportViolation(
                    `The seed step of standby ${node.node} ${roleText}, not "replica"; on an empty volume it would ` +
                    "not copy the primary (a \"primary\" seed initializes a second, unrelated database).",
                    step.resource.urn);
                continue;
            }
            const slot = stepValue(step, "PGC_SLOT");
            if (slot === undefined) {
                reportViolation(
                    `The seed step of standby ${node.node} sets no PGC_SLOT; pg_basebackup must stream ` +
                    "through the standby's own replication slot so the primary keeps the WAL it needs.",
                    step.resource.urn);
            } else if (isKnown(slot)) {
                bootstraps.push({ standby: node, step, slot });
            }
        }

        // Commands that may still turn out to create any slot.
        const undecidedCreators = [...ofUnknownKind, ...slotSteps.filter((s) => !isKnown(stepValue(s, "PGC_SLOT")))];
        for (const { standby, step, slot } of bootstraps) {
            const sharing = bootstraps.filter((b) => b.slot === slot && b.standby !== standby).map((b) => b.standby.node);
            if (sharing.length > 0) {
                reportViolation(
                    `Standby ${standby.node} shares replication slot ${quote(slot)} with standby ${listNodes(sharing)}; ` +
                    "each standby needs its own slot.",
                    standby.resource.urn);
            }
            const creators = slotSteps.filter((s) => stepValue(s, "PGC_SLOT") === slot);
            if (creators.length === 0) {
                if (undecidedCreators.length === 0) {
                    reportViolation(
                        `Standby ${standby.node} is seeded from slot ${quote(slot)} but no replication-slot step ` +
                        `(PGC_STEP=replication-slot, PGC_SLOT=${slot}) creates it.`,
                        step.resource.urn);
                }
            } else if (![...creators, ...undecidedCreators].some((c) => dependsOn(step.resource, c.resource))) {
                reportViolation(
                    `The seed step of standby ${standby.node} does not depend on the replication-slot step ` +
                    `for slot ${quote(slot)}; pg_basebackup could run before the slot exists.`,
                    step.resource.urn);
            }
        }
    },
};

/** A Patroni member: no seed of ours, its data directory on its volume, and slots on. */
function checkPatroniMember(resources: readonly PolicyResource[], node: PgNode, seeds: Step[], reportViolation: ReportViolation): void {
    if (seeds.length > 0) {
        reportViolation(
            `Node ${node.node} is a Patroni member, which makes the cluster or copies the leader by itself, but seed ` +
            `step ${listNodes(seeds.map((s) => s.resource.name))} also writes into its volume; remove it (ha: patroni ` +
            "declares no seed step).",
            node.resource.urn);
    }
    for (const view of node.views) {
        if (!dcsPostgresqlFlag(view.dcs, "use_slots")) {
            reportViolation(
                `Patroni runs node ${node.node}${view.where} without replication slots (postgresql.use_slots is false), so ` +
                "the leader may recycle WAL the member still needs, which must then be copied afresh; set use_slots: true.",
                node.resource.urn);
        }
    }
    const own = memberConfStepsOf(resources, node.name as string);
    // A member without exactly one member-conf step is patroni-control-plane-tls's to report.
    if (!isKnown(own) || own.length !== 1) {
        return;
    }
    const step = own[0];
    const config = stepConfig(step, "PGC_CONFIG");
    const volume = stepValue(step, "PGC_VOLUME");
    const props = node.resource.props;
    if (!isKnown(config) || config === undefined || config === UNREADABLE || !isPatroniConfig(config)) {
        return;
    }
    const dataDir = textAt(objectAt(config, "postgresql"), "data_dir");
    const where = `(postgresql.data_dir in PGC_CONFIG of step ${step.resource.name})`;
    if (dataDir === undefined) {
        reportViolation(
            `The Patroni configuration of node ${node.node} sets no data directory ${where}; Patroni does not start without one.`,
            step.resource.urn);
        return;
    }
    const mount = dataMountOf(props, dataDir);
    if (!isKnown(mount)) {
        return;
    }
    if (mount === undefined || mount.volumeName === undefined || mount.hostPath !== undefined) {
        reportViolation(
            `Patroni keeps the data of node ${node.node} in ${dataDir} ${where}, which is on no named volume of its ` +
            "container, so it is lost when the container is replaced; put it on the member's data volume.",
            node.resource.urn);
        return;
    }
    if (typeof volume === "string" && mount.volumeName !== volume) {
        reportViolation(
            `The member-conf step of node ${node.node} writes its configuration into volume ${quote(volume)} ` +
            `but the node's data directory is on volume ${quote(mount.volumeName)}.`,
            node.resource.urn);
    }
}
