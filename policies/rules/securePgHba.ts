import { ResourceValidationPolicy } from "@pulumi/policy";
import { databaseContainer, uploadsOf } from "../lib/container";
import { HbaRule, hbaRulesIn, isAnyAddress, isReplicationRule } from "../lib/hba";
import { INIT_SCRIPT_DIR } from "../lib/types";
import { quote } from "../lib/values";

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

export const securePgHba: ResourceValidationPolicy = {
    name: "secure-pg-hba",
    description: "pg_hba rules the program uploads use no trust/md5/password and no replication source open to every address.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        for (const upload of uploadsOf(databaseContainer(args))) {
            if (!isHbaFile(upload.file) && !upload.file.startsWith(INIT_SCRIPT_DIR)) {
                continue;
            }
            for (const rule of hbaRulesIn(upload.content)) {
                for (const problem of problemsOf(rule)) {
                    reportViolation(`pg_hba rule ${quote(rule.text)} in ${upload.file} ${problem}.`);
                }
            }
        }
    },
};
