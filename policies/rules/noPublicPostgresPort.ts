import { ResourceValidationPolicy } from "@pulumi/policy";
import { CONTAINER, POSTGRES_PORT } from "../lib/types";
import { isKnown, quote, read, readArray } from "../lib/values";

export interface NoPublicPostgresPortConfig {
    /** Allow publishing 5432 on every interface (e.g. a host behind its own firewall). */
    allowPublicPorts?: boolean;
}

// An empty ip makes Docker bind every interface, and Docker's published ports bypass the host's
// INPUT firewall rules, so a "local" cluster becomes reachable from the whole network.
const ALL_INTERFACES = new Set(["", "0.0.0.0", "::", "[::]"]);

export const noPublicPostgresPort: ResourceValidationPolicy = {
    name: "no-public-postgres-port",
    description: "PostgreSQL's port 5432 is not published on all host interfaces.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowPublicPorts: {
                type: "boolean",
                default: false,
                description: "Allow publishing 5432 on all interfaces.",
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
        for (const port of ports) {
            if (!isKnown(port) || port === null || typeof port !== "object") {
                continue;
            }
            const entry = port as Record<string, unknown>;
            const internal = read(() => entry.internal);
            const ip = read(() => entry.ip);
            if (!isKnown(internal) || Number(internal) !== POSTGRES_PORT || !isKnown(ip)) {
                continue;
            }
            if (ip === undefined || ip === null || (typeof ip === "string" && ALL_INTERFACES.has(ip.trim()))) {
                const where = typeof ip === "string" ? `ip ${quote(ip)}` : "no ip";
                reportViolation(
                    `PostgreSQL port ${POSTGRES_PORT} is published on all interfaces (${where}); ` +
                    "bind it to 127.0.0.1 or another specific address, or set allowPublicPorts: true in this policy's config.");
            }
        }
    },
};
