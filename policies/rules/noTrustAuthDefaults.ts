import { ResourceValidationPolicy } from "@pulumi/policy";
import { databaseContainer, envValue, labelsOf } from "../lib/container";
import { LABEL_ROLE } from "../lib/types";
import { isKnown } from "../lib/values";

const WEAK = new Set(["trust", "md5", "password"]);

interface InitdbAuth {
    local?: string;
    host?: string;
}

/** --auth/-A, --auth-local and --auth-host from POSTGRES_INITDB_ARGS (specific flags win). */
function initdbAuth(initdbArgs: string): InitdbAuth {
    const tokens = initdbArgs.split(/\s+/).filter((t) => t !== "");
    const found: Record<string, string> = {};
    for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i];
        const long = /^--(auth|auth-local|auth-host)(?:=(.*))?$/.exec(t);
        if (long) {
            found[long[1]] = long[2] ?? tokens[++i] ?? "";
        } else if (t === "-A") {
            found["auth"] = tokens[++i] ?? "";
        } else if (t.startsWith("-A")) {
            found["auth"] = t.slice(2);
        }
    }
    return { local: found["auth-local"] ?? found["auth"], host: found["auth-host"] ?? found["auth"] };
}

// The official image runs initdb without --auth, and initdb then writes trust rules for local
// and loopback connections; POSTGRES_HOST_AUTH_METHOD adds "host all all all <method>".
// Replicas are skipped for initdb: their data directory, pg_hba.conf included, is the primary's
// base backup and initdb never runs there.
export const noTrustAuthDefaults: ResourceValidationPolicy = {
    name: "no-trust-auth-defaults",
    description: "The image's auth defaults are hardened: initdb gets --auth-local/--auth-host, POSTGRES_HOST_AUTH_METHOD is not weak.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const props = databaseContainer(args);
        const hostMethod = envValue(props, "POSTGRES_HOST_AUTH_METHOD");
        if (typeof hostMethod === "string" && WEAK.has(hostMethod.trim())) {
            reportViolation(
                `POSTGRES_HOST_AUTH_METHOD=${hostMethod.trim()} makes the image append "host all all all ${hostMethod.trim()}" ` +
                "to pg_hba.conf; remove it or use scram-sha-256.");
        }
        // A node whose role or initdb arguments are unknown during preview is decided during the update.
        const role = labelsOf(props).get(LABEL_ROLE);
        if (role === "replica" || !isKnown(role)) {
            return;
        }
        const initdbArgs = envValue(props, "POSTGRES_INITDB_ARGS");
        if (!isKnown(initdbArgs)) {
            return;
        }
        const auth = initdbAuth(initdbArgs ?? "");
        const kinds: Array<[keyof InitdbAuth, string, string]> = [
            ["local", "--auth-local", "peer"],
            ["host", "--auth-host", "scram-sha-256"],
        ];
        for (const [kind, flag, recommended] of kinds) {
            const method = auth[kind];
            if (method === undefined) {
                reportViolation(
                    `POSTGRES_INITDB_ARGS sets no ${flag} (or --auth), so initdb writes trust rules for ${kind} connections ` +
                    `into pg_hba.conf; add ${flag}=${recommended}.`);
            } else if (WEAK.has(method)) {
                reportViolation(`POSTGRES_INITDB_ARGS makes initdb use ${method} for ${kind} connections; use ${flag}=${recommended}.`);
            }
        }
    },
};
