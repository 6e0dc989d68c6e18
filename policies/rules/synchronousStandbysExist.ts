import { StackValidationPolicy } from "@pulumi/policy";
import { listNodes, nodesOf, PgNode, undecidedContainersOf } from "../lib/cluster";
import { objectAt, synchronousModeOf, synchronousNodeCountOf } from "../lib/patroni";
import { effectiveSetting } from "../lib/settings";
import { isKnown, quote } from "../lib/values";

interface SyncSpec {
    count: number;
    names: string[];
}

/** `[FIRST|ANY] n (name, …)` or `name, …` (which means FIRST 1). */
export function parseSynchronousStandbyNames(value: string): SyncSpec | undefined {
    const unquote = (n: string) => n.trim().replace(/^"(.*)"$/, "$1");
    const v = value.trim();
    const m = /^(?:(?:FIRST|ANY)\s+)?(\d+)\s*\(([^()]*)\)$/i.exec(v);
    if (m) {
        return { count: Number(m[1]), names: m[2].split(",").map(unquote).filter((n) => n !== "") };
    }
    if (/[()]/.test(v)) {
        return undefined;
    }
    return { count: 1, names: v.split(",").map(unquote).filter((n) => n !== "") };
}

/**
 * With synchronous_mode on (or quorum), Patroni names the synchronous standbys itself, up to
 * synchronous_node_count of the other members that may be one (not tagged nosync): a count above
 * them can never be met, so no commit is ever confirmed by as many standbys as the stack declares.
 */
function checkPatroniSynchronousMode(
    node: PgNode, nodes: readonly PgNode[], dcs: Record<string, unknown>, where: string, undecided: boolean,
    reportViolation: (message: string, urn?: string) => void): void {
    const count = synchronousNodeCountOf(dcs);
    if (count === undefined) {
        reportViolation(
            `synchronous_node_count ${quote(String(dcs.synchronous_node_count))} on ${where} is not a whole number of ` +
            "standbys (1 or more).",
            node.resource.urn);
        return;
    }
    // A member whose configuration is not known yet may be a candidate.
    const others = nodes.filter((n) => n !== node);
    const candidates = others.filter((n) => !n.patroni || n.views.length === 0 || objectAt(n.views[0].member, "tags")?.nosync !== true);
    if (count > candidates.length && !undecided) {
        const names = candidates.map((n) => n.node);
        const have = names.length === 0 ? "none" : `only ${names.length} (${listNodes(names)})`;
        reportViolation(
            `synchronous_node_count ${count} on ${where} asks Patroni for ${count} synchronous standby(s) but ${have} of ` +
            `the other members can be one (a member tagged nosync cannot); while ${node.node} leads, no commit is ever ` +
            `confirmed by ${count} standbys.`,
            node.resource.urn);
    }
}

// With synchronous_commit waiting for standbys, a primary that names more synchronous standbys
// than exist makes every commit wait forever. Standbys are matched by node name, which the
// program uses as each standby's application_name. Every node runs the same settings and any
// node may be the primary (after a switchover or failover), so the setting must hold on every
// node with that node as the primary: its standbys are the other nodes. The program names every
// node, the primary included (which never counts), so the count must be at most nodes - 1. Under
// `ha: patroni` with synchronous_mode on, Patroni sets synchronous_standby_names itself from
// synchronous_node_count, which must then fit the other members.
export const synchronousStandbysExist: StackValidationPolicy = {
    name: "synchronous-standbys-exist",
    description: "synchronous_standby_names can be satisfied by the other nodes of the stack, whichever node is the primary.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const nodes = nodesOf(args.resources);
        // During preview a container not known yet to be a node, or a node whose name is not
        // known yet, may be a named standby: too few standbys is then decided during the update.
        const undecided = undecidedContainersOf(args.resources).length > 0 || nodes.some((n) => !isKnown(n.name));
        for (const node of nodes) {
            for (const view of node.views) {
                const where = `node ${node.node}${view.where}`;
                if (view.dcs !== undefined && synchronousModeOf(view.dcs)) {
                    checkPatroniSynchronousMode(node, nodes, view.dcs, where, undecided, reportViolation);
                    continue;
                }
                const raw = effectiveSetting(view.settings, "synchronous_standby_names");
                const commit = effectiveSetting(view.settings, "synchronous_commit").trim().toLowerCase();
                if (raw.trim() === "" || commit === "off" || commit === "local") {
                    continue;
                }
                const spec = parseSynchronousStandbyNames(raw);
                if (spec === undefined) {
                    reportViolation(`synchronous_standby_names ${quote(raw)} on ${where} cannot be parsed.`, node.resource.urn);
                    continue;
                }
                const standbys = nodes.filter((n) => n !== node).map((n) => n.name).filter(isKnown);
                const available = spec.names.includes("*") ? standbys : standbys.filter((s) => spec.names.includes(s));
                if (available.length < spec.count && !undecided) {
                    const have = available.length === 0 ? "none" : `only ${available.length} (${listNodes(available)})`;
                    reportViolation(
                        `synchronous_standby_names ${quote(raw)} on ${where} needs ${spec.count} synchronous ` +
                        `standby(s) but ${have} of the named standbys is another node of this stack; while ${node.node} ` +
                        "is the primary, commits would wait forever.",
                        node.resource.urn);
                }
            }
        }
    },
};
