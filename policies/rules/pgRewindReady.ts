import { StackValidationPolicy } from "@pulumi/policy";
import { commandStepsOf, isInitializingSeed, nodesOf, stepValue, undecidedContainersOf } from "../lib/cluster";
import { effectiveSetting, parsePgBool } from "../lib/settings";
import { isKnown } from "../lib/values";

function enablesChecksums(initdbArgs: string | undefined): boolean {
    return (initdbArgs ?? "").split(/\s+/).some((t) => t === "--data-checksums" || t === "-k");
}

// pg_rewind (bringing a failed primary back as a standby without a full re-copy) needs the
// rewound node to log hint-bit changes: wal_log_hints=on, or data checksums, which a cluster gets
// once at initdb, in the primary's seed step (PGC_INITDB_ARGS), and every standby inherits through
// its base backup.
export const pgRewindReady: StackValidationPolicy = {
    name: "pg-rewind-ready",
    description: "Every node has wal_log_hints=on, or the cluster has data checksums, so pg_rewind works after a failover.",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const nodes = nodesOf(args.resources);
        if (nodes.length === 0) {
            return args.notApplicable("the stack declares no PostgreSQL node");
        }
        const steps = commandStepsOf(args.resources);
        const initdbArgs = steps
            .filter((s) => isInitializingSeed(s) === true)
            .map((s) => stepValue(s, "PGC_INITDB_ARGS"));
        if (initdbArgs.length > 0 && initdbArgs.every((a) => isKnown(a) && enablesChecksums(a))) {
            return;
        }
        // During preview: a step that may be the primary's seed, its initdb arguments, or a
        // container that may be a node, not known yet; decided during the update.
        if (steps.some((s) => !isKnown(isInitializingSeed(s))) || initdbArgs.some((a) => !isKnown(a)) ||
            undecidedContainersOf(args.resources).length > 0) {
            return;
        }
        for (const n of nodes) {
            if (isKnown(n.settings) && parsePgBool(effectiveSetting(n.settings, "wal_log_hints")) !== true) {
                reportViolation(
                    `Node ${n.node} has neither wal_log_hints=on nor data checksums (--data-checksums in PGC_INITDB_ARGS ` +
                    "of the primary's seed step); pg_rewind could not resync it after a failover.",
                    n.resource.urn);
            }
        }
    },
};
