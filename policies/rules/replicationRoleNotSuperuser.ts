import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { isInitializingSeed, stepEnvOf, stepValue } from "../lib/cluster";
import { databaseContainer, uploadsOf } from "../lib/container";
import { COMMAND, INIT_SCRIPT_DIR } from "../lib/types";
import { isKnown } from "../lib/values";

// SQL statements that create or change a role, up to their semicolon, and createuser calls.
const ROLE_STATEMENT = /\b(CREATE|ALTER)\s+(?:ROLE|USER)\s+(\S+)[^;]{0,1000}/gi;
const CREATEUSER_LINE = /\bcreateuser\b[^\n]*/g;

function isInitScript(file: string): boolean {
    return file.startsWith(INIT_SCRIPT_DIR);
}

interface RoleStatement {
    role: string;
    replication: boolean;
    superuser: boolean;
}

function roleStatementsIn(script: string): RoleStatement[] {
    const statements: RoleStatement[] = [];
    for (const m of script.matchAll(ROLE_STATEMENT)) {
        // \bSUPERUSER\b does not match NOSUPERUSER, nor \bREPLICATION\b NOREPLICATION.
        statements.push({ role: m[2], replication: /\bREPLICATION\b/i.test(m[0]), superuser: /\bSUPERUSER\b/i.test(m[0]) });
    }
    for (const m of script.matchAll(CREATEUSER_LINE)) {
        const args = m[0].split(/\s+/);
        statements.push({
            role: args[args.length - 1],
            replication: args.some((a) => a === "--replication" || /^-[a-zA-Z]*r[a-zA-Z]*$/.test(a)),
            superuser: args.some((a) => a === "--superuser" || /^-[a-zA-Z]*s[a-zA-Z]*$/.test(a)),
        });
    }
    return statements;
}

interface Script {
    /** For messages. */
    name: string;
    content: string;
}

/** Reports scripts that give a role they make a replication role SUPERUSER; returns the replication roles created. */
function checkScripts(scripts: readonly Script[], reportViolation: ReportViolation): Set<string> {
    const statements = scripts.map((s) => ({ name: s.name, statements: roleStatementsIn(s.content) }));
    const replicationRoles = new Set(statements.flatMap((s) => s.statements).filter((s) => s.replication).map((s) => s.role));
    for (const script of statements) {
        if (script.statements.some((s) => s.superuser && replicationRoles.has(s.role))) {
            reportViolation(
                `${script.name} gives the replication role SUPERUSER; grant it only LOGIN and REPLICATION, since every ` +
                "standby stores its password.");
        }
    }
    return replicationRoles;
}

/** The primary's seed step initializes the cluster with PGC_INIT_SCRIPT, which must create the role. */
function checkSeedStep(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    const step = stepEnvOf(args.props);
    const initializing = isInitializingSeed(step);
    if (initializing === false) {
        return args.notApplicable("not the seed step that initializes the cluster (PGC_STEP=seed, PGC_ROLE=primary)");
    }
    // During preview the step's environment is unknown: decided during the update.
    if (!isKnown(initializing)) {
        return;
    }
    const script = stepValue(step, "PGC_INIT_SCRIPT");
    if (!isKnown(script)) {
        return;
    }
    const roles = checkScripts(script === undefined ? [] : [{ name: "PGC_INIT_SCRIPT of the primary's seed step", content: script }], reportViolation);
    if (roles.size === 0) {
        reportViolation(
            "PGC_INIT_SCRIPT of the primary's seed step creates no replication role (CREATE ROLE … REPLICATION); " +
            "standbys would have to connect as the superuser.");
    }
}

// Every standby keeps the replication role's password in its data directory (primary_conninfo),
// so a superuser replication role hands the primary to anyone who can read any standby's volume.
// The role is created where the cluster is initialized: the primary's seed step. Init scripts a
// container uploads under /docker-entrypoint-initdb.d/ are checked too, should one create it.
export const replicationRoleNotSuperuser: ResourceValidationPolicy = {
    name: "replication-role-not-superuser",
    description: "The primary's seed step creates a dedicated replication role, and no script gives it SUPERUSER.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === COMMAND) {
            checkSeedStep(args, reportViolation);
            return;
        }
        const scripts = uploadsOf(databaseContainer(args))
            .filter((u) => isInitScript(u.file))
            .map((u) => ({ name: u.file, content: u.content }));
        checkScripts(scripts, reportViolation);
    },
};
