import { StackValidationPolicy } from "@pulumi/policy";
import { nodesOf, undecidedContainersOf } from "../lib/cluster";
import { envValue } from "../lib/container";
import { effectiveSetting, parsePgBool } from "../lib/settings";
import { isKnown } from "../lib/values";

function enablesChecksums(initdbArgs: string | undefined): boolean {
    return (initdbArgs ?? "").split(/\s+/).some((t) => t === "--data-checksums" || t === "-k");
}

// pg_rewind (bringing a failed primary back as a standby without a full re-copy) needs the
// rewound node to log hint-bit changes: wal_log_hints=on, or data checksums, which a cluster gets
// once at initdb on the primary and its replicas inherit through the base backup.
export const pgRewindReady: StackValidationPolicy = {
    name: "pg-rewind-ready",
    description: "Every node has wal_log_hints=on, or the cluster has data checksums, so pg_rewind works after a failover.",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const nodes = nodesOf(args.resources);
        if (nodes.length === 0) {
            return args.notApplicable("the stack declares no PostgreSQL node");
        }
        // A node whose role is not known yet may be the primary.
        const initdbArgs = nodes
            .filter((n) => n.role !== "replica")
            .map((n) => envValue(n.resource.props, "POSTGRES_INITDB_ARGS"));
        if (initdbArgs.some((a) => isKnown(a) && enablesChecksums(a))) {
            return;
        }
        // During preview: a primary's initdb arguments, or a container that may be a primary, not
        // known yet could still enable checksums; decided during the update.
        if (initdbArgs.some((a) => !isKnown(a)) || undecidedContainersOf(args.resources).length > 0) {
            return;
        }
        for (const n of nodes) {
            if (isKnown(n.settings) && parsePgBool(effectiveSetting(n.settings, "wal_log_hints")) !== true) {
                reportViolation(
                    `Node ${n.node} has neither wal_log_hints=on nor data checksums (--data-checksums in the primary's ` +
                    "POSTGRES_INITDB_ARGS); pg_rewind could not resync it after a failover.",
                    n.resource.urn);
            }
        }
    },
};
