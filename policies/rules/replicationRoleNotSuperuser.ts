import { ResourceValidationPolicy } from "@pulumi/policy";
import { databaseContainer, labelsOf, uploadsOf } from "../lib/container";
import { INIT_SCRIPT_DIR, LABEL_ROLE } from "../lib/types";

// SQL statements that create or change a role, up to their semicolon.
const ROLE_STATEMENT = /\b(?:CREATE|ALTER)\s+(?:ROLE|USER)\b[^;]{0,1000}/gi;
const CREATEUSER_LINE = /\bcreateuser\b[^\n]*/g;

interface RoleGrant {
    replication: boolean;
    superuser: boolean;
}

function roleGrantsIn(script: string): RoleGrant[] {
    const grants: RoleGrant[] = [];
    for (const m of script.matchAll(ROLE_STATEMENT)) {
        // \bSUPERUSER\b does not match NOSUPERUSER, nor \bREPLICATION\b NOREPLICATION.
        grants.push({ replication: /\bREPLICATION\b/i.test(m[0]), superuser: /\bSUPERUSER\b/i.test(m[0]) });
    }
    for (const m of script.matchAll(CREATEUSER_LINE)) {
        grants.push({
            replication: /(^|\s)(--replication|-[a-zA-Z]*r[a-zA-Z]*)(\s|$)/.test(m[0]) && !/--no-replication/.test(m[0]),
            superuser: /(^|\s)(--superuser|-[a-zA-Z]*s[a-zA-Z]*)(\s|$)/.test(m[0]),
        });
    }
    return grants;
}

// Every replica keeps the replication role's password in its data directory (primary_conninfo),
// so a superuser replication role hands the primary to anyone who can read any replica's volume.
export const replicationRoleNotSuperuser: ResourceValidationPolicy = {
    name: "replication-role-not-superuser",
    description: "The primary's init scripts create a dedicated replication role, and without SUPERUSER.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const props = databaseContainer(args);
        const scripts = uploadsOf(props).filter((u) => u.file.startsWith(INIT_SCRIPT_DIR));
        let createsReplicationRole = false;
        for (const script of scripts) {
            const grants = roleGrantsIn(script.content).filter((g) => g.replication);
            createsReplicationRole = createsReplicationRole || grants.length > 0;
            if (grants.some((g) => g.superuser)) {
                reportViolation(
                    `${script.file} gives the replication role SUPERUSER; grant it only LOGIN and REPLICATION, since every ` +
                    "replica stores its password.");
            }
        }
        if (labelsOf(props).get(LABEL_ROLE) === "primary" && !createsReplicationRole) {
            reportViolation(
                `No init script under ${INIT_SCRIPT_DIR} creates a replication role (CREATE ROLE … REPLICATION); ` +
                "replicas would have to connect as the superuser.");
        }
    },
};
