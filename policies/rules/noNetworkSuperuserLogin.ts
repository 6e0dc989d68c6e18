import { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { stepEnvOf, stepKind, stepValue } from "../lib/cluster";
import { databaseContainer, envValue, uploadsOf } from "../lib/container";
import { HbaRule, hbaRulesIn, isAnyAddress, isNetworkRule } from "../lib/hba";
import { COMMAND, POSTGRES_SUPERUSER, STEP_CONF } from "../lib/types";
import { isKnown, quote } from "../lib/values";

// The superuser can read every file the server can and run programs as it (COPY … PROGRAM): its
// password is then all that stands between the network and the host. pg-cluster administers
// through `docker exec` and the Unix socket (peer), so no network line needs to admit it, and the
// program rejects it by name before the general `hostssl all all all scram-sha-256`.

/** How a network connection travels, as the connection types of pg_hba.conf tell them apart. */
type Transport = "ssl" | "plain" | "gssenc";

/** The transports each network connection type matches (hostnossl: anything but SSL, GSSAPI encryption included). */
const TRANSPORTS: Readonly<Record<string, readonly Transport[]>> = {
    host: ["ssl", "plain", "gssenc"],
    hostssl: ["ssl"],
    hostnossl: ["plain", "gssenc"],
    hostgssenc: ["gssenc"],
    hostnogssenc: ["ssl", "plain"],
};

type Match = "yes" | "maybe" | "no";

/**
 * Whether the user column matches the superuser: `all` or its name do; a `+group` may (the superuser
 * counts only if it is a member, which the pack cannot see), as may an `@file`; a `/regex` is tried.
 */
function matchesUser(rule: HbaRule, superuser: string): Match {
    let match: Match = "no";
    for (const user of rule.users) {
        if (user === "all" || user === superuser) {
            return "yes";
        }
        if (user.startsWith("/")) {
            try {
                if (new RegExp(user.slice(1)).test(superuser)) {
                    return "yes";
                }
            } catch {
                match = "maybe";
            }
        } else if (user.startsWith("+") || user.startsWith("@")) {
            match = "maybe";
        }
    }
    return match;
}

/** A line for `replication` only admits walsenders, which is the replication role's business. */
function isReplicationOnly(rule: HbaRule): boolean {
    return rule.databases.every((d) => d === "replication");
}

/**
 * Walks the rules in order, as the server does (the first matching line decides). A reject line
 * settles the superuser's connections of the transports it matches only if it surely matches the
 * superuser (`all` or its name), every database and every address; a line that admits it to any
 * database but `replication`, over a transport no such reject settled earlier, is reported.
 */
function check(text: string, where: string, superuser: string, reportViolation: ReportViolation): void {
    const settled = new Set<Transport>();
    for (const rule of hbaRulesIn(text).filter(isNetworkRule)) {
        const transports = (TRANSPORTS[rule.type] ?? []).filter((t) => !settled.has(t));
        const user = matchesUser(rule, superuser);
        if (transports.length === 0 || user === "no" || isReplicationOnly(rule)) {
            continue;
        }
        if (rule.method === "reject") {
            if (user === "yes" && rule.databases.includes("all") && isAnyAddress(rule)) {
                transports.forEach((t) => settled.add(t));
            }
            continue;
        }
        const admits = user === "yes"
            ? `lets the superuser ${quote(superuser)} log in over the network`
            : `may let the superuser ${quote(superuser)} log in over the network (should ${rule.users.join(",")} include it)`;
        reportViolation(
            `pg_hba rule ${quote(rule.text)} in ${where} ${admits}, and no line before it rejects the superuser; ` +
            `put ${quote(`${rule.type} all ${superuser} all reject`)} above it ` +
            "(the superuser administers through docker exec and the local socket, never over the network).");
    }
}

export const noNetworkSuperuserLogin: ResourceValidationPolicy = {
    name: "no-network-superuser-login",
    description:
        "Each node's pg_hba.conf (its conf step's PGC_HBA) rejects the superuser on every network line before any line " +
        "that would admit it to a database other than replication.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === COMMAND) {
            const step = stepEnvOf(args.props);
            const kind = stepKind(step);
            if (isKnown(kind) && kind !== STEP_CONF) {
                return args.notApplicable("not a conf step");
            }
            // During preview a conf step's environment is unknown: decided during the update. A conf
            // step without PGC_HBA is pg-hba-on-every-node's to report.
            const hba = stepValue(step, "PGC_HBA");
            const superuser = stepValue(step, "PGC_SUPERUSER");
            if (isKnown(kind) && isKnown(hba) && isKnown(superuser) && hba !== undefined) {
                check(hba, `PGC_HBA of conf step ${args.name}`, superuser ?? POSTGRES_SUPERUSER, reportViolation);
            }
            return;
        }
        // Should a container upload a pg_hba.conf of its own; the image's entrypoint names its
        // superuser POSTGRES_USER.
        const props = databaseContainer(args);
        const superuser = envValue(props, "POSTGRES_USER");
        if (!isKnown(superuser)) {
            return;
        }
        for (const upload of uploadsOf(props)) {
            if (upload.file.split("/").pop() === "pg_hba.conf") {
                check(upload.content, upload.file, superuser || POSTGRES_SUPERUSER, reportViolation);
            }
        }
    },
};
