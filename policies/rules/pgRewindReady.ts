import { StackValidationPolicy } from "@pulumi/policy";
import { commandStepsOf, isInitializingSeed, nodesOf, stepValue, undecidedContainersOf } from "../lib/cluster";
import { dcsPostgresqlFlag, initdbOptionsOf } from "../lib/patroni";
import { effectiveSetting, parsePgBool } from "../lib/settings";
import { isKnown, Unknown, UNKNOWN } from "../lib/values";

function enablesChecksums(initdbArgs: string | undefined): boolean {
    return (initdbArgs ?? "").split(/\s+/).some((t) => t === "--data-checksums" || t === "-k");
}

// pg_rewind (bringing a failed primary back as a standby without a full re-copy) needs the
// rewound node to log hint-bit changes: wal_log_hints=on, or data checksums, which a cluster gets
// once at initdb, in the primary's seed step (PGC_INITDB_ARGS), and every standby inherits through
// its base backup. Under `ha: patroni` whichever member makes the cluster runs initdb with its own
// bootstrap.initdb, so every member's must ask for checksums; and Patroni runs pg_rewind only
// with use_pg_rewind on (its default is off): otherwise a former leader that diverged cannot
// rejoin until it is copied afresh.
export const pgRewindReady: StackValidationPolicy = {
    name: "pg-rewind-ready",
    description:
        "Every node has wal_log_hints=on, or the cluster has data checksums, so pg_rewind works after a failover; " +
        "Patroni members run with use_pg_rewind on.",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const nodes = nodesOf(args.resources);
        if (nodes.length === 0) {
            return args.notApplicable("the stack declares no PostgreSQL node");
        }
        for (const n of nodes.filter((node) => node.patroni)) {
            for (const view of n.views) {
                if (!dcsPostgresqlFlag(view.dcs, "use_pg_rewind")) {
                    reportViolation(
                        `Patroni does not run pg_rewind on node ${n.node}${view.where} (postgresql.use_pg_rewind is not true); ` +
                        "after a failover the former leader cannot rejoin as a replica until it is copied afresh.",
                        n.resource.urn);
                }
            }
        }
        const steps = commandStepsOf(args.resources);
        const initdbArgs: Array<string | undefined | Unknown> = steps
            .filter((s) => isInitializingSeed(s) === true)
            .map((s) => stepValue(s, "PGC_INITDB_ARGS"));
        // A Patroni member whose configuration is not known yet may ask for anything.
        const memberInitdb = nodes
            .filter((n) => n.patroni)
            .map((n) => (n.views.length > 0 && n.views[0].member !== undefined ? initdbOptionsOf(n.views[0].member) : UNKNOWN));
        const initializers = [...initdbArgs, ...memberInitdb];
        if (initializers.length > 0 && initializers.every((a) => isKnown(a) && enablesChecksums(a))) {
            return;
        }
        // During preview: a step that may be the primary's seed, its initdb arguments, or a
        // container that may be a node, not known yet; decided during the update.
        if (steps.some((s) => !isKnown(isInitializingSeed(s))) || initializers.some((a) => !isKnown(a)) ||
            undecidedContainersOf(args.resources).length > 0) {
            return;
        }
        for (const n of nodes) {
            const checksums = n.patroni
                ? "data-checksums in bootstrap.initdb of every member's Patroni configuration"
                : "--data-checksums in PGC_INITDB_ARGS of the primary's seed step";
            for (const { settings, where } of n.views) {
                if (parsePgBool(effectiveSetting(settings, "wal_log_hints")) !== true) {
                    reportViolation(
                        `Node ${n.node}${where} has neither wal_log_hints=on nor data checksums (${checksums}); ` +
                        "pg_rewind could not resync it after a failover.",
                        n.resource.urn);
                }
            }
        }
    },
};
