import { StackValidationPolicy } from "@pulumi/policy";
import { nodesOf } from "../lib/cluster";
import { effectiveSetting, parsePgInteger } from "../lib/settings";
import { quote } from "../lib/values";

// Every node, not only the primary: a standby refuses to start when its max_wal_senders or
// max_replication_slots is lower than the primary's, and any node may be the primary. Whichever
// it is, the other nodes are its replicas (standbys): nodes - 1 of them.
// +2 senders: a re-seeding pg_basebackup -X stream holds two connections while the other
// replicas keep streaming.
// A Patroni member's settings are those Patroni starts it with (its DCS configuration, where
// Patroni takes these three from, with Patroni's own values for those it is not given or refuses);
// Patroni keeps a slot on the leader for every other member, so the same counts hold.
export const walSettingsFitReplicas: StackValidationPolicy = {
    name: "wal-settings-fit-replicas",
    description: "wal_level, max_wal_senders and max_replication_slots fit the number of replicas on every node.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const nodes = nodesOf(args.resources);
        if (nodes.length === 0) {
            return args.notApplicable("the stack declares no PostgreSQL node");
        }
        const replicas = nodes.length - 1;
        const replicaCount = `${replicas} replica${replicas === 1 ? "" : "s"}`;
        for (const n of nodes) {
            for (const { settings, where } of n.views) {
                const node = `node ${n.node}${where}`;
                const walLevel = effectiveSetting(settings, "wal_level").trim().toLowerCase();
                if (walLevel !== "replica" && walLevel !== "logical") {
                    reportViolation(
                        `wal_level is ${quote(walLevel)} on ${node}; streaming replication needs wal_level=replica or logical.`,
                        n.resource.urn);
                }
                const checks: Array<[string, number, string]> = [
                    ["max_wal_senders", replicas + 2, "one per replica plus 2 for a pg_basebackup -X stream"],
                    ["max_replication_slots", replicas, "one slot per replica"],
                ];
                for (const [setting, needed, why] of checks) {
                    const raw = effectiveSetting(settings, setting);
                    const value = parsePgInteger(raw);
                    if (value === undefined) {
                        reportViolation(`${setting} is ${quote(raw)} on ${node}; it must be an integer.`, n.resource.urn);
                    } else if (value < needed) {
                        reportViolation(
                            `${setting} is ${value} on ${node} but the stack has ${replicaCount}; ` +
                            `it needs at least ${needed} (${why}).`,
                            n.resource.urn);
                    }
                }
            }
        }
    },
};
