import { ResourceValidationPolicy } from "@pulumi/policy";
import { stepEnvOf, stepKind } from "../lib/cluster";
import { databaseContainer, uploadsOf } from "../lib/container";
import { HbaRule, hbaRulesIn, isAnyAddress, isReplicationRule } from "../lib/hba";
import { COMMAND, INIT_SCRIPT_DIR, STEP_SEED } from "../lib/types";
import { isKnown, quote } from "../lib/values";

// trust needs no password at all; md5 and password are weaker than SCRAM (md5 hashes are
// password-equivalent, password sends it in clear). A replication rule open to every address
// lets anyone who learns the role's password copy the whole cluster.
const WEAK_METHODS: Readonly<Record<string, string>> = {
    trust: "accepts connections without any password",
    md5: "relies on MD5 hashes that are as good as the password",
    password: "sends the password in clear text",
};

function problemsOf(rule: HbaRule): string[] {
    const problems: string[] = [];
    const weakness = WEAK_METHODS[rule.method];
    if (weakness !== undefined) {
        problems.push(`uses auth method ${rule.method}, which ${weakness}; use scram-sha-256 (or peer for local)`);
    }
    if (isReplicationRule(rule) && isAnyAddress(rule)) {
        problems.push("accepts replication connections from any address; restrict it to the cluster network's subnet");
    }
    return problems;
}

function isHbaFile(file: string): boolean {
    return file.split("/").pop() === "pg_hba.conf";
}

/** What a seed step installs: the pg_hba.conf it writes (PGC_HBA) and the script that initializes the cluster. */
const SEED_HBA_SOURCES = ["PGC_HBA", "PGC_INIT_SCRIPT"];

function report(text: string, where: string, reportViolation: (message: string) => void): void {
    for (const rule of hbaRulesIn(text)) {
        for (const problem of problemsOf(rule)) {
            reportViolation(`pg_hba rule ${quote(rule.text)} in ${where} ${problem}.`);
        }
    }
}

export const securePgHba: ResourceValidationPolicy = {
    name: "secure-pg-hba",
    description: "pg_hba rules the program installs use no trust/md5/password and no replication source open to every address.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === COMMAND) {
            // The primary's seed step writes PGC_HBA as the new cluster's pg_hba.conf; standbys copy it.
            const step = stepEnvOf(args.props);
            const kind = stepKind(step);
            if (isKnown(kind) && kind !== STEP_SEED) {
                return args.notApplicable("not a seed step");
            }
            if (!isKnown(step.env)) {
                return;
            }
            for (const name of SEED_HBA_SOURCES) {
                const text = step.env.get(name);
                if (typeof text === "string") {
                    report(text, `${name} of seed step ${args.name}`, reportViolation);
                }
            }
            return;
        }
        for (const upload of uploadsOf(databaseContainer(args))) {
            if (isHbaFile(upload.file) || upload.file.startsWith(INIT_SCRIPT_DIR)) {
                report(upload.content, upload.file, reportViolation);
            }
        }
    },
};
