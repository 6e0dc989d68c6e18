import { StackValidationPolicy } from "@pulumi/policy";
import { commandStepsOf, isProductionStack, nodesOf, stepKind, stepValue } from "../lib/cluster";
import { labelsOf } from "../lib/container";
import { effectiveSetting } from "../lib/settings";
import { BACKUP_REPOSITORY, CONTAINER, LABEL_BACKUP, STEP_BACKUP_FILES } from "../lib/types";
import { isKnown } from "../lib/values";

const TURN_ON = "pulumi config set pg-cluster:backup true";

// Replication copies every mistake at once: a DROP TABLE reaches every standby within
// milliseconds. A production cluster needs continuous archiving and backups it can restore to a
// point in time: pg-cluster's are pgBackRest's, into a repository of the stack's own. A repository
// that is not encrypted hands every copy of it (a volume backup, a bucket) the whole database, and
// one whose retention keeps no full backup has nothing to restore from.
export const productionBackups: StackValidationPolicy = {
    name: "production-backups",
    description:
        "In production stacks every node archives WAL (archive_mode on) into a pgBackRest repository container, and " +
        "the repository is encrypted (repo1-cipher-type not none) with a retention that keeps at least one full backup.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        if (!isProductionStack(args.resources)) {
            return;
        }
        const containers = args.resources.filter((r) => r.type === CONTAINER);
        const kindOf = (labels: ReturnType<typeof labelsOf>) => labels.get(LABEL_BACKUP);
        const repositories = containers.filter((r) => kindOf(labelsOf(r.props)) === BACKUP_REPOSITORY);
        const undecided = containers.some((r) => !isKnown(kindOf(labelsOf(r.props))));
        if (repositories.length === 0) {
            if (!undecided) {
                reportViolation(
                    "Production stack has no backups: no pgBackRest repository container (labelled " +
                    `${LABEL_BACKUP}=${BACKUP_REPOSITORY}), so a dropped table or a bad migration, which replication copies ` +
                    `to every standby at once, cannot be undone; turn them on with \`${TURN_ON}\`.`);
            }
            return;
        }

        for (const node of nodesOf(args.resources)) {
            for (const view of node.views) {
                const mode = effectiveSetting(view.settings, "archive_mode").trim().toLowerCase();
                if (mode !== "on" && mode !== "always") {
                    reportViolation(
                        `Node ${node.node}${view.where} runs with archive_mode=${mode || "off"}: as the primary it would ` +
                        "archive no WAL, and nothing after the last backup could be restored; pg-cluster sets archive_mode=on " +
                        `on every node with \`${TURN_ON}\`.`,
                        node.resource.urn);
                }
            }
        }

        const steps = commandStepsOf(args.resources);
        if (steps.some((s) => !isKnown(stepKind(s)) || (stepKind(s) === STEP_BACKUP_FILES
            && !isKnown(stepValue(s, "PGC_BACKUP_ROLE"))))) {
            return;
        }
        const repositoryFiles = steps.filter((s) => stepKind(s) === STEP_BACKUP_FILES
            && stepValue(s, "PGC_BACKUP_ROLE") === BACKUP_REPOSITORY);
        if (repositoryFiles.length === 0) {
            reportViolation(
                `Production stack has a repository container but no step that writes its configuration (PGC_STEP=${STEP_BACKUP_FILES}, ` +
                "PGC_BACKUP_ROLE=repository), so its encryption and retention cannot be told; pg-cluster declares one with " +
                `\`${TURN_ON}\`.`);
            return;
        }
        for (const step of repositoryFiles) {
            const conf = stepValue(step, "PGC_BACKUP_CONF");
            if (!isKnown(conf)) {
                continue;
            }
            const global = globalSection(conf ?? "");
            const cipher = global.get("repo1-cipher-type") ?? "none";
            if (cipher === "none") {
                reportViolation(
                    "The backup repository is not encrypted (repo1-cipher-type " +
                    `${global.has("repo1-cipher-type") ? "= none" : "unset"}): every copy of it, a volume backup or a bucket, ` +
                    "holds the whole database in clear; set repo1-cipher-type=aes-256-cbc with a passphrase, as pg-cluster does.",
                    step.resource.urn);
            }
            const full = global.get("repo1-retention-full");
            if (full !== undefined && !(Number.parseInt(full, 10) >= 1)) {
                reportViolation(
                    `The backup repository's retention keeps no full backup (repo1-retention-full = ${full}), so there is ` +
                    "nothing to restore from; set pg-cluster:backupRetentionFull to 1 or more.",
                    step.resource.urn);
            }
        }
    },
};

/** The key=value lines of the [global] section of a pgBackRest config (the last value of a key wins). */
function globalSection(conf: string): Map<string, string> {
    const values = new Map<string, string>();
    let section = "";
    for (const raw of conf.split("\n")) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) {
            continue;
        }
        const header = /^\[(.*)\]$/.exec(line);
        if (header) {
            section = header[1];
            continue;
        }
        const eq = line.indexOf("=");
        if (section === "global" && eq > 0) {
            values.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
        }
    }
    return values;
}
