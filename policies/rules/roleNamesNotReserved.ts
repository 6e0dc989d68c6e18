import { ResourceValidationPolicy } from "@pulumi/policy";
import { stepEnvOf, stepKind, stepValue } from "../lib/cluster";
import { reservedRoleNameReason } from "../lib/roles";
import { COMMAND } from "../lib/types";
import { isKnown, quote } from "../lib/values";

/**
 * The role names the steps carry, with the config key that sets each (the superuser's is the
 * program's constant). The seed, replication-slot, conninfo, primary and passwords steps carry the
 * replication role; the passwords step also the application and monitoring roles and the superuser.
 */
const ROLE_KEYS: ReadonlyMap<string, string | undefined> = new Map([
    ["PGC_REPLICATION_USER", "replicationUser"],
    ["PGC_APP_USER", "appUser"],
    ["PGC_MONITORING_USER", "monitoringUser"],
    ["PGC_SUPERUSER", undefined],
]);

// A reserved word makes the scripts' SQL fail halfway through a deployment (CREATE ROLE select),
// or quietly mean something else: `all` or `samerole` in the user column of pg_hba.conf match other
// roles than the one named, `public` and `current_user` are not roles at all. Refused before
// anything is created, the mistake costs a config change instead of a half-built cluster.
export const roleNamesNotReserved: ResourceValidationPolicy = {
    name: "role-names-not-reserved",
    description:
        "The role names the steps carry (PGC_REPLICATION_USER, PGC_APP_USER, PGC_MONITORING_USER, PGC_SUPERUSER) are no " +
        "reserved SQL key word of PostgreSQL 17, no name with a meaning of its own (public, none, all, current_user, " +
        "samerole …) and do not start with pg_.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== COMMAND) {
            return args.notApplicable(`applies to ${COMMAND} resources only`);
        }
        // During preview a step's environment is unknown: decided during the update.
        const step = stepEnvOf(args.props);
        if (!isKnown(step.env)) {
            return;
        }
        const kind = stepKind(step);
        const where = isKnown(kind) && kind !== undefined ? `${kind} step ${args.name}` : `command ${args.name}`;
        for (const [key, configKey] of ROLE_KEYS) {
            const name = stepValue(step, key);
            if (!isKnown(name) || name === undefined) {
                continue;
            }
            const reason = reservedRoleNameReason(name);
            if (reason !== undefined) {
                const fix = configKey !== undefined ? `set pg-cluster:${configKey} to another name` : "use another name";
                reportViolation(`${key} of ${where} is ${quote(name)}, ${reason}; ${fix}.`);
            }
        }
    },
};
