import { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { stepEnvOf, stepKind, stepValue } from "../lib/cluster";
import { databaseContainer, uploadsOf } from "../lib/container";
import { HbaRule, hbaRulesIn, isNetworkRule } from "../lib/hba";
import { COMMAND, STEP_CONF } from "../lib/types";
import { isKnown, quote } from "../lib/values";

// `host` matches connections with or without TLS, `hostnossl` only those without, and
// `hostgssenc` GSSAPI encryption, which proves no certificate: a network line that accepts a
// login must be `hostssl`, or a password (and all that follows) may cross the network in clear.
// `hostnossl … reject` for every database and for replication (which `all` does not cover)
// says so outright, whatever lines are added later below it.
const ACCEPTING_TYPE = "hostssl";

/** The `hostnossl … reject` lines every pg_hba.conf must have: for `all` databases and for `replication`. */
const REQUIRED_REJECTS = [
    { database: "all", line: "hostnossl all all all reject" },
    { database: "replication", line: "hostnossl replication all all reject" },
];

function rejectsEveryPlainLogin(rules: readonly HbaRule[], database: string): boolean {
    return rules.some((r) => r.type === "hostnossl" && r.method === "reject" && r.address === "all" &&
        r.databases.includes(database) && r.users.includes("all"));
}

function check(text: string, where: string, reportViolation: ReportViolation): void {
    const rules = hbaRulesIn(text);
    for (const rule of rules.filter(isNetworkRule)) {
        if (rule.method !== "reject" && rule.type !== ACCEPTING_TYPE) {
            reportViolation(
                `pg_hba rule ${quote(rule.text)} in ${where} accepts network logins over ${rule.type}, which does not ` +
                `require TLS; make it ${ACCEPTING_TYPE} (or reject).`);
        }
    }
    for (const required of REQUIRED_REJECTS) {
        if (!rejectsEveryPlainLogin(rules, required.database)) {
            reportViolation(
                `${where} has no ${quote(required.line)}; add it so network logins without TLS ` +
                `${required.database === "replication" ? "for replication " : ""}are rejected before any password is asked.`);
        }
    }
}

export const pgHbaTlsOnly: ResourceValidationPolicy = {
    name: "pg-hba-tls-only",
    description: "Each node's pg_hba.conf (its conf step's PGC_HBA) accepts network logins only on hostssl lines and rejects those without TLS (hostnossl … reject, for all databases and for replication).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === COMMAND) {
            const step = stepEnvOf(args.props);
            const kind = stepKind(step);
            if (isKnown(kind) && kind !== STEP_CONF) {
                return args.notApplicable("not a conf step");
            }
            // During preview a conf step's environment is unknown: decided during the update.
            const hba = stepValue(step, "PGC_HBA");
            if (isKnown(kind) && isKnown(hba)) {
                // A conf step without PGC_HBA is pg-hba-on-every-node's to report.
                if (hba !== undefined) {
                    check(hba, `PGC_HBA of conf step ${args.name}`, reportViolation);
                }
            }
            return;
        }
        // Should a container upload a pg_hba.conf of its own.
        for (const upload of uploadsOf(databaseContainer(args))) {
            if (upload.file.split("/").pop() === "pg_hba.conf") {
                check(upload.content, upload.file, reportViolation);
            }
        }
    },
};
