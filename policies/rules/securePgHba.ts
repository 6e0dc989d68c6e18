import { ResourceValidationPolicy } from "@pulumi/policy";
import { stepEnvOf, stepKind } from "../lib/cluster";
import { databaseContainer, uploadsOf } from "../lib/container";
import { HbaRule, hbaRulesIn, isAnyAddress, isReplicationRule } from "../lib/hba";
import { COMMAND, INIT_SCRIPT_DIR, STEP_CONF, STEP_SEED } from "../lib/types";
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
    // A reject rule opens nothing: `hostnossl replication all all reject` turns away every plain one.
    if (isReplicationRule(rule) && isAnyAddress(rule) && rule.method !== "reject") {
        problems.push("accepts replication connections from any address; restrict it to the cluster network's subnet");
    }
    return problems;
}

function isHbaFile(file: string): boolean {
    return file.split("/").pop() === "pg_hba.conf";
}

/**
 * Where a step carries pg_hba rules: each node's conf step writes PGC_HBA as the pg_hba.conf its
 * server reads (hba_file, beside the data); a seed step's script could still write rules.
 */
const HBA_SOURCES: ReadonlyMap<string, string> = new Map([
    [STEP_CONF, "PGC_HBA"],
    [STEP_SEED, "PGC_INIT_SCRIPT"],
]);

function report(text: string, where: string, reportViolation: (message: string) => void): void {
    for (const rule of hbaRulesIn(text)) {
        for (const problem of problemsOf(rule)) {
            reportViolation(`pg_hba rule ${quote(rule.text)} in ${where} ${problem}.`);
        }
    }
}

export const securePgHba: ResourceValidationPolicy = {
    name: "secure-pg-hba",
    description: "pg_hba rules the program installs (each node's conf step's PGC_HBA, a seed's init script) use no trust/md5/password and no replication source open to every address.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === COMMAND) {
            const step = stepEnvOf(args.props);
            const kind = stepKind(step);
            if (isKnown(kind) && !HBA_SOURCES.has(kind ?? "")) {
                return args.notApplicable("neither a conf step nor a seed step");
            }
            // During preview a step's environment is unknown: decided during the update.
            if (!isKnown(kind) || !isKnown(step.env)) {
                return;
            }
            const name = HBA_SOURCES.get(kind ?? "")!;
            const text = step.env.get(name);
            if (typeof text === "string") {
                report(text, `${name} of ${kind} step ${args.name}`, reportViolation);
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
