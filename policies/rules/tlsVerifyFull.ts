import { ResourceValidationPolicy } from "@pulumi/policy";
import { ReportViolation } from "@pulumi/policy";
import { stepConfig, stepEnvOf, stepKind, stepValue } from "../lib/cluster";
import { ConfigObject, isPatroniConfig, objectAt, textAt, UNREADABLE } from "../lib/patroni";
import { COMMAND, SEED_ROLE_PRIMARY, STEP_CONNINFO, STEP_MEMBER_CONF, STEP_PRIMARY, STEP_SEED } from "../lib/types";
import { isKnown, quote, readString, Unknown } from "../lib/values";

// TLS without checking the server's certificate stops an eavesdropper but not an impostor: a
// standby (or a client) would stream to, and send its password to, whoever answers on the
// primary's name. verify-full checks the certificate against the cluster's CA and the host name.
//
// What this rule sees: policies get a resource's inputs before it is created, and a stack's
// outputs (the exported connection strings) only after `pulumi up` has created everything (and,
// during preview, unknown: they hold generated passwords). So it checks what decides both before
// anything is created: the steps that connect nodes to the primary (a standby's seed, its
// conninfo, the primary step that repoints standbys) carry PGC_TLS=on, which makes pg-cluster's
// scripts connect with sslmode=verify-full and the cluster's CA; the same switch
// (pg-cluster:tls) makes the exported connection strings ask for sslmode=verify-full. And no step
// asks libpq for a weaker sslmode anywhere in its scripts or environment.
//
// Under `ha: patroni` Patroni makes those connections itself (base backups, streaming, pg_rewind)
// with the libpq parameters of its configuration's postgresql.authentication: the replication
// user's, the rewind user's, and the superuser's where it connects over the network (pg_rewind
// without a rewind user, or no Unix socket).

/** What goes without TLS when a step that connects to the primary has PGC_TLS off, for messages. */
function exposedBy(kind: string, role: string | undefined): string | undefined {
    if (kind === STEP_SEED && role !== SEED_ROLE_PRIMARY) {
        return "the standby's base backup runs without TLS and without checking the primary's certificate";
    }
    if (kind === STEP_CONNINFO) {
        return "the standby streams WAL without TLS and without checking the primary's certificate";
    }
    if (kind === STEP_PRIMARY) {
        return "the standbys it points at the primary stream without TLS and without checking its certificate, and " +
            "the exported connection strings (set by the same pg-cluster:tls) do not ask for sslmode=verify-full";
    }
    return undefined;
}

/** The users Patroni connects to other members as, each with its libpq parameters (sslmode …). */
function checkPatroniConnections(config: ConfigObject, step: string, reportViolation: ReportViolation): void {
    const postgresql = objectAt(config, "postgresql");
    const authentication = objectAt(postgresql, "authentication");
    const roles = ["replication"];
    if (authentication?.rewind !== undefined) {
        roles.push("rewind");
    }
    if (authentication?.rewind === undefined || postgresql?.use_unix_socket !== true) {
        roles.push("superuser");
    }
    for (const role of roles) {
        const sslmode = textAt(objectAt(authentication, role), "sslmode");
        if (sslmode === "verify-full") {
            continue;
        }
        const asked = sslmode === undefined ? "with no sslmode, so libpq uses prefer" : `with sslmode ${quote(sslmode)}`;
        reportViolation(
            `The Patroni configuration in PGC_CONFIG of step ${step} connects to other members as its ${role} user ` +
            `(postgresql.authentication.${role}) ${asked}, which does not check the server's certificate and host name; ` +
            "set sslmode: verify-full, with sslrootcert naming the cluster's CA.");
    }
}

const SSLMODE = /\bsslmode\s*=\s*['"]?([A-Za-z-]+)/g;

export const tlsVerifyFull: ResourceValidationPolicy = {
    name: "tls-verify-full",
    description:
        "Replication and connection strings check the server's certificate (sslmode=verify-full): the steps that connect " +
        "standbys to the primary (standby seed, conninfo, primary step) carry PGC_TLS=on, the switch that also puts " +
        "sslmode=verify-full into the exported connection strings (stack outputs, which policies see only after " +
        "deployment); no step asks for a weaker sslmode; a Patroni member's configuration connects to the others with " +
        "sslmode verify-full.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== COMMAND) {
            return args.notApplicable(`applies to ${COMMAND} resources only`);
        }
        const step = stepEnvOf(args.props);
        const kind = stepKind(step);
        const role = stepValue(step, "PGC_ROLE");
        if (isKnown(kind) && kind !== undefined && isKnown(role)) {
            const exposed = exposedBy(kind, role);
            const tls = stepValue(step, "PGC_TLS");
            if (exposed !== undefined && isKnown(tls) && tls !== "on") {
                reportViolation(
                    `PGC_TLS is ${tls === undefined ? "not set" : quote(tls)} on ${kind} step ${args.name}, so ${exposed}; ` +
                    "set pg-cluster:tls to true (with PGC_TLS=on the step connects with sslmode=verify-full).");
            }
        }
        if (kind === STEP_MEMBER_CONF) {
            const config = stepConfig(step, "PGC_CONFIG");
            if (isKnown(config) && config !== undefined && config !== UNREADABLE && isPatroniConfig(config)) {
                checkPatroniConnections(config, args.name, reportViolation);
            }
        }
        const texts: Array<[string, string | undefined | Unknown]> = [
            ["create", readString(() => args.props.create)],
            ["delete", readString(() => args.props.delete)],
        ];
        if (isKnown(step.env)) {
            for (const [name, value] of step.env) {
                texts.push([`environment variable ${name}`, value]);
            }
        }
        for (const [where, text] of texts) {
            if (typeof text !== "string") {
                continue;
            }
            const weaker = [...text.matchAll(SSLMODE)].map((m) => m[1]).filter((mode) => mode.toLowerCase() !== "verify-full");
            if (weaker.length > 0) {
                reportViolation(
                    `The ${where} of step ${args.name} asks for sslmode=${weaker[0]}, which does not check the server's ` +
                    "certificate and host name; use sslmode=verify-full with the cluster's CA.");
            }
        }
    },
};
