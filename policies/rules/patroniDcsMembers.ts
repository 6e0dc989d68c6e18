import { StackValidationPolicy } from "@pulumi/policy";
import { etcdMembersOf, listNodes, memberConfStepsOf, nodesOf, stepConfig, undecidedHaMembersOf } from "../lib/cluster";
import { dataMountOf } from "../lib/container";
import { isEtcdConfig, textAt, UNREADABLE } from "../lib/patroni";
import { isKnown, quote } from "../lib/values";

/** etcd answers while a majority of its members do: 3 is the smallest DCS that survives one member down. */
export const MIN_DCS_MEMBERS = 3;

// Patroni keeps the leader key in the DCS and a leader that cannot renew it demotes itself (unless
// failsafe mode finds every member), so the DCS going down stops writes on a healthy cluster.
// etcd answers while a majority of its members run: 1 member tolerates no failure, 2 tolerate
// none either (a majority of 2 is 2). And a member that loses its data (kept in the container's
// layer, gone with a replaced container) comes back empty and cannot rejoin its cluster.
export const patroniDcsMembers: StackValidationPolicy = {
    name: "patroni-dcs-members",
    description:
        "With Patroni members, the DCS has at least 3 etcd members (a majority survives one down), each keeping its data " +
        "(data-dir in its configuration) on a named volume.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const members = nodesOf(args.resources).filter((n) => n.patroni);
        if (members.length === 0) {
            return args.notApplicable("the stack declares no Patroni member");
        }
        const etcd = etcdMembersOf(args.resources);
        // During preview a container whose labels or entrypoint are unknown may be an etcd member.
        if (etcd.length < MIN_DCS_MEMBERS && undecidedHaMembersOf(args.resources).length === 0) {
            const have = etcd.length === 0 ? "no etcd member" : `only ${etcd.length} etcd member(s) (${listNodes(etcd.map((e) => e.node))})`;
            reportViolation(
                `The Patroni members (${listNodes(members.map((m) => m.node))}) have ${have} as their DCS; etcd answers only ` +
                `while a majority of its members run, so with fewer than ${MIN_DCS_MEMBERS} one etcd member down stops the ` +
                "DCS, and Patroni then demotes the leader: the cluster takes no writes. Declare at least 3 " +
                "(pg-cluster:dcsMembers).");
        }
        for (const member of etcd) {
            if (!isKnown(member.name)) {
                continue;
            }
            const own = memberConfStepsOf(args.resources, member.name);
            // A member without exactly one member-conf step is patroni-control-plane-tls's to report.
            if (!isKnown(own) || own.length !== 1) {
                continue;
            }
            const config = stepConfig(own[0], "PGC_CONFIG");
            if (!isKnown(config) || config === undefined || config === UNREADABLE || !isEtcdConfig(config)) {
                continue;
            }
            const dataDir = textAt(config, "data-dir");
            const where = `(data-dir in PGC_CONFIG of step ${own[0].resource.name})`;
            if (dataDir === undefined) {
                reportViolation(
                    `etcd member ${member.node} sets no data directory ${where}, so etcd keeps its data in its working ` +
                    "directory, in the container's layer: a replaced container comes back empty and cannot rejoin the DCS; " +
                    "set data-dir on the member's volume.",
                    member.resource.urn);
                continue;
            }
            const mount = dataMountOf(member.resource.props, dataDir);
            if (isKnown(mount) && (mount === undefined || mount.volumeName === undefined || mount.hostPath !== undefined)) {
                reportViolation(
                    `etcd member ${member.node} keeps its data in ${quote(dataDir)} ${where}, which is on no named volume of ` +
                    "its container: a replaced container comes back empty and cannot rejoin the DCS; put it on the " +
                    "member's volume.",
                    member.resource.urn);
            }
        }
    },
};
