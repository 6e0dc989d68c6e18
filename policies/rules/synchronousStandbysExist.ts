import { StackValidationPolicy } from "@pulumi/policy";
import { listNodes, nodesOf, undecidedContainersOf } from "../lib/cluster";
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

// With synchronous_commit waiting for standbys, a primary that names more synchronous standbys
// than exist makes every commit wait forever. Standbys are matched by node name, which the
// program uses as each replica's application_name.
export const synchronousStandbysExist: StackValidationPolicy = {
    name: "synchronous-standbys-exist",
    description: "synchronous_standby_names on the primary can be satisfied by the stack's replicas.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const nodes = nodesOf(args.resources);
        const replicas = nodes.filter((n) => n.role === "replica").map((n) => n.name).filter(isKnown);
        // During preview a container whose role or name is not known yet may be a named standby:
        // too few standbys is then decided during the update.
        const undecided = undecidedContainersOf(args.resources).length > 0 ||
            nodes.some((n) => !isKnown(n.role) || (n.role === "replica" && !isKnown(n.name)));
        for (const primary of nodes.filter((n) => n.role === "primary")) {
            if (!isKnown(primary.settings)) {
                continue;
            }
            const raw = effectiveSetting(primary.settings, "synchronous_standby_names");
            const commit = effectiveSetting(primary.settings, "synchronous_commit").trim().toLowerCase();
            if (raw.trim() === "" || commit === "off" || commit === "local") {
                continue;
            }
            const spec = parseSynchronousStandbyNames(raw);
            if (spec === undefined) {
                reportViolation(`synchronous_standby_names ${quote(raw)} on primary ${primary.node} cannot be parsed.`, primary.resource.urn);
                continue;
            }
            const available = spec.names.includes("*") ? replicas : replicas.filter((r) => spec.names.includes(r));
            if (available.length < spec.count && !undecided) {
                const have = available.length === 0 ? "none" : `only ${available.length} (${listNodes(available)})`;
                reportViolation(
                    `synchronous_standby_names ${quote(raw)} on primary ${primary.node} needs ${spec.count} synchronous ` +
                    `standby(s) but ${have} of the named standbys is a replica in this stack; commits would wait forever.`,
                    primary.resource.urn);
            }
        }
    },
};
