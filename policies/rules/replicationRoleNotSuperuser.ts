import { ResourceValidationPolicy } from "@pulumi/policy";
import { databaseContainer, labelsOf, mayHaveUnknownUpload, uploadsOf } from "../lib/container";
import { INIT_SCRIPT_DIR, LABEL_ROLE } from "../lib/types";

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

// Every replica keeps the replication role's password in its data directory (primary_conninfo),
// so a superuser replication role hands the primary to anyone who can read any replica's volume.
export const replicationRoleNotSuperuser: ResourceValidationPolicy = {
    name: "replication-role-not-superuser",
    description: "The primary's init scripts create a dedicated replication role, and without SUPERUSER.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const props = databaseContainer(args);
        const scripts = uploadsOf(props).filter((u) => isInitScript(u.file));
        const statements = scripts.map((s) => ({ file: s.file, statements: roleStatementsIn(s.content) }));
        const replicationRoles = new Set(statements.flatMap((s) => s.statements).filter((s) => s.replication).map((s) => s.role));
        for (const script of statements) {
            if (script.statements.some((s) => s.superuser && replicationRoles.has(s.role))) {
                reportViolation(
                    `${script.file} gives the replication role SUPERUSER; grant it only LOGIN and REPLICATION, since every ` +
                    "replica stores its password.");
            }
        }
        // During preview the uploads (secret, built from generated passwords) are often unknown: an
        // init script that creates the role may be among them, so only a known absence counts.
        if (labelsOf(props).get(LABEL_ROLE) === "primary" && replicationRoles.size === 0 && !mayHaveUnknownUpload(props, isInitScript)) {
            reportViolation(
                `No init script under ${INIT_SCRIPT_DIR} creates a replication role (CREATE ROLE … REPLICATION); ` +
                "replicas would have to connect as the superuser.");
        }
    },
};
