import { ResourceValidationPolicy } from "@pulumi/policy";
import { haMemberKind, labelsOf } from "../lib/container";
import {
    CONTAINER, HA_MEMBER_ETCD, HA_MEMBER_PATRONI, LABEL_MONITORING, MONITORING_EXPORTER, MONITORING_PROMETHEUS, PATRONI_REST_API_PORT,
    POSTGRES_PORT,
} from "../lib/types";
import { isKnown, quote, read, readArray } from "../lib/values";

export interface NoPublicPostgresPortConfig {
    /** Allow publishing 5432 and the monitoring ports on every interface (e.g. a host behind its own firewall). */
    allowPublicPorts?: boolean;
}

// An empty ip makes Docker bind every interface, and Docker's published ports bypass the host's
// INPUT firewall rules, so a "local" cluster becomes reachable from the whole network.
const ALL_INTERFACES = new Set(["", "0.0.0.0", "::", "[::]"]);

// The monitoring containers serve without a login: an exporter its node's metrics, Prometheus its
// UI and API (queries over every metric). Every port they publish counts, not only 5432.
function monitoringPort(kind: string): string {
    if (kind === MONITORING_EXPORTER) {
        return "of this postgres_exporter, which serves its node's metrics without a login,";
    }
    if (kind === MONITORING_PROMETHEUS) {
        return "of this Prometheus, which serves its UI and API without a login,";
    }
    return `of this monitoring container (${LABEL_MONITORING}=${kind})`;
}

// Under `ha: patroni` the control plane counts too: a Patroni member's REST API can switch the
// leader over, restart the member and change the cluster's configuration, and whoever reaches an
// etcd member reaches the keys that decide which node leads. Both require a client certificate
// (patroni-control-plane-tls), but neither has any business on every interface of the host.
function haMemberPort(kind: string, internal: number): string | undefined {
    if (kind === HA_MEMBER_ETCD) {
        return "of this etcd member, whose keys decide which node leads,";
    }
    if (kind === HA_MEMBER_PATRONI && internal === PATRONI_REST_API_PORT) {
        return "of this Patroni member's REST API, which can switch the leader over, restart the member and change the " +
            "cluster's configuration,";
    }
    if (kind === HA_MEMBER_PATRONI && internal !== POSTGRES_PORT) {
        return "of this Patroni member";
    }
    return undefined;
}

export const noPublicPostgresPort: ResourceValidationPolicy = {
    name: "no-public-postgres-port",
    description:
        "PostgreSQL's port 5432, any port of an exporter or Prometheus, and any other port of a Patroni or etcd member, is " +
        "not published on all host interfaces.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowPublicPorts: {
                type: "boolean",
                default: false,
                description: "Allow publishing 5432 (and the exporters' and Prometheus's ports) on all interfaces.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== CONTAINER) {
            return args.notApplicable(`applies to ${CONTAINER} resources only`);
        }
        if (args.getConfig<NoPublicPostgresPortConfig>().allowPublicPorts === true) {
            return;
        }
        const ports = readArray(() => args.props.ports);
        if (!isKnown(ports)) {
            return;
        }
        const kind = labelsOf(args.props).get(LABEL_MONITORING);
        const monitoring = typeof kind === "string" && kind !== "" ? monitoringPort(kind) : undefined;
        const member = haMemberKind(args.props);
        for (const port of ports) {
            if (!isKnown(port) || port === null || typeof port !== "object") {
                continue;
            }
            const entry = port as Record<string, unknown>;
            const internal = read(() => entry.internal);
            const ip = read(() => entry.ip);
            const control = isKnown(internal) && typeof member === "string" ? haMemberPort(member, Number(internal)) : undefined;
            if (!isKnown(internal) || (monitoring === undefined && control === undefined && Number(internal) !== POSTGRES_PORT) ||
                !isKnown(ip)) {
                continue;
            }
            if (ip === undefined || ip === null || (typeof ip === "string" && ALL_INTERFACES.has(ip.trim()))) {
                const where = typeof ip === "string" ? `ip ${quote(ip)}` : "no ip";
                if (control !== undefined) {
                    reportViolation(
                        `Port ${String(internal)} ${control} is published on all interfaces (${where}); bind it to 127.0.0.1 or ` +
                        "another specific address, or better publish it not at all, or set allowPublicPorts: true in this " +
                        "policy's config.");
                    continue;
                }
                if (monitoring !== undefined) {
                    reportViolation(
                        `Port ${String(internal)} ${monitoring} is published on all interfaces (${where}); ` +
                        "bind it to 127.0.0.1 or another specific address (pg-cluster:publishAddress), or set allowPublicPorts: true " +
                        "in this policy's config.");
                    continue;
                }
                reportViolation(
                    `PostgreSQL port ${POSTGRES_PORT} is published on all interfaces (${where}); ` +
                    "bind it to 127.0.0.1 or another specific address, or set allowPublicPorts: true in this policy's config.");
            }
        }
    },
};
