import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import {
    etcdMembersOf, isProductionStack, listNodes, nodesOf, undecidedContainersOf, undecidedHaMembersOf,
} from "../lib/cluster";
import { DEFAULT_DOCKER_HOST, dockerHostOf } from "../lib/dockerHosts";
import { ENVIRONMENT_PRODUCTION, LABEL_ENVIRONMENT } from "../lib/types";
import { isKnown, Unknown } from "../lib/values";

/** Fewer etcd members cannot survive losing any one of them, wherever they run: patroni-dcs-members reports that. */
const MIN_ETCD_MEMBERS = 3;

const PLACE = "pg-cluster:dockerHosts and pg-cluster:placement";

interface Placed {
    name: string;
    host: string | Unknown;
}

function placed(members: readonly { node: string; resource: PolicyResource }[]): Placed[] {
    return members.map((m) => ({ name: m.node, host: dockerHostOf(m.resource) }));
}

function hostName(host: string): string {
    return host === DEFAULT_DOCKER_HOST ? "the default Docker host" : host;
}

/** The members by known host, hosts in order. */
function byHost(members: readonly Placed[]): Map<string, string[]> {
    const hosts = new Map<string, string[]>();
    for (const m of members) {
        if (isKnown(m.host)) {
            hosts.set(m.host, [...(hosts.get(m.host) ?? []), m.name]);
        }
    }
    return new Map([...hosts.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** "pg0, pg1 on tcp://10.0.0.11:2376; pg2 on the default Docker host", and those whose host is not known yet. */
function placement(members: readonly Placed[]): string {
    const parts = [...byHost(members).entries()].map(([host, names]) => `${listNodes(names)} on ${hostName(host)}`);
    const unknown = members.filter((m) => !isKnown(m.host)).map((m) => m.name);
    if (unknown.length > 0) {
        parts.push(`${listNodes(unknown)} on a host not known yet`);
    }
    return parts.join("; ");
}

// Replicas on the primary's machine do not survive what they are there for: that machine (or its
// Docker engine) failing takes every node with it. The same holds for the DCS: etcd answers while
// a majority of its members run, so a host holding half of them or more stops it when it fails,
// and Patroni then demotes the leader wherever the nodes run. A container's host is its docker
// provider's `host` (pg-cluster:dockerHosts), "default" for the default provider. Mandatory;
// ha: patroni cannot span hosts yet, so a production stack on one host (the shipped one) lowers
// this rule to advisory in its policy config.
export const productionSpreadOverHosts: StackValidationPolicy = {
    name: "production-spread-over-hosts",
    description:
        "A production stack runs its nodes on at least 2 Docker hosts, and its etcd members so that no host holds half " +
        "of them or more (3 members: 3 hosts), so one machine failing leaves a node to take over and the DCS running.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        if (!isProductionStack(args.resources)) {
            return args.notApplicable(`not a production stack (no node labelled ${LABEL_ENVIRONMENT}=${ENVIRONMENT_PRODUCTION})`);
        }
        const nodes = placed(nodesOf(args.resources));
        const nodeHosts = byHost(nodes);
        // During preview a provider's host may be unknown, or a container not known to be a node yet.
        const nodesDecided = nodes.every((n) => isKnown(n.host)) && undecidedContainersOf(args.resources).length === 0;
        if (nodesDecided && nodeHosts.size < 2) {
            reportViolation(
                `Production stack runs all its nodes on one Docker host (${placement(nodes)}): when that machine or its ` +
                "engine fails, every node fails with it and no replica is left to take over; place the nodes on at least " +
                `2 Docker hosts (${PLACE}).`);
        }

        const etcd = placed(etcdMembersOf(args.resources));
        if (etcd.length < MIN_ETCD_MEMBERS || undecidedHaMembersOf(args.resources).length > 0) {
            return;
        }
        // Members whose host is not known yet count in the total: a host that already holds half is certain.
        const total = etcd.length;
        const overloaded = [...byHost(etcd).entries()].filter(([, names]) => 2 * names.length >= total);
        if (overloaded.length === 0) {
            return;
        }
        const most = Math.floor((total - 1) / 2);
        const hosts = Math.ceil(total / most);
        const losses = overloaded.map(([host, names]) =>
            `${hostName(host)} holds ${names.length} of the ${total}, and losing it leaves ${total - names.length}, no majority`);
        reportViolation(
            `Production stack's etcd members are placed so that one Docker host failing stops the DCS (${placement(etcd)}): ` +
            `${losses.join("; ")}: etcd stops and Patroni demotes the leader, so the cluster takes no writes; place them so ` +
            `no host holds more than ${most} of the ${total} (at least ${hosts} Docker hosts, ${PLACE}).`);
    },
};
