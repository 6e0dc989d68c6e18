import { describe, it } from "node:test";
import { productionBackups } from "../rules/productionBackups";
import { clusterResources, CONTAINER, propsOf, REPOSITORY_CONF, setSetting } from "./builders";
import { assertHasViolation, assertNoViolations, stackArgs, TestResource, urnOf } from "./util";

const TURN_ON = "`pulumi config set pg-cluster:backup true`";
const production = () => clusterResources(2, "production");

function setConf(props: Record<string, any>, conf: string): void {
    props.environment.PGC_BACKUP_CONF = conf;
}

describe("production-backups", () => {
    const policy = productionBackups;
    const repositoryFiles = (resources: TestResource[]) => propsOf(resources, "backup-files");

    it("passes a production stack that archives into an encrypted repository keeping full backups", async () => {
        await assertNoViolations(policy, stackArgs(production()));
    });

    it("passes development and staging stacks without backups (only production requires them)", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(2, "development")));
        await assertNoViolations(policy, stackArgs(clusterResources(2, "staging")));
    });

    it("reports a production stack without backups, once", async () => {
        await assertHasViolation(policy, stackArgs(clusterResources(2, "production", "pg0", true, false)),
            "Production stack has no backups: no pgBackRest repository container (labelled pg-cluster.backup=repository), " +
            "so a dropped table or a bad migration, which replication copies to every standby at once, cannot be undone; " +
            `turn them on with ${TURN_ON}.`);
    });

    it("reports a node that does not archive, on the node", async () => {
        const resources = production();
        setSetting(propsOf(resources, "pg1"), "archive_mode", "off");
        await assertHasViolation(policy, stackArgs(resources),
            "Node pg1 runs with archive_mode=off: as the primary it would archive no WAL, and nothing after the last backup " +
            `could be restored; pg-cluster sets archive_mode=on on every node with ${TURN_ON}.`, urnOf(CONTAINER, "pg1"));
    });

    it("reports a repository that is not encrypted", async () => {
        const resources = production();
        setConf(repositoryFiles(resources), REPOSITORY_CONF.replace("repo1-cipher-type=aes-256-cbc\n", ""));
        await assertHasViolation(policy, stackArgs(resources),
            "The backup repository is not encrypted (repo1-cipher-type unset): every copy of it, a volume backup or a " +
            "bucket, holds the whole database in clear; set repo1-cipher-type=aes-256-cbc with a passphrase, as pg-cluster does.");
        setConf(repositoryFiles(resources), REPOSITORY_CONF.replace("aes-256-cbc", "none"));
        await assertHasViolation(policy, stackArgs(resources),
            "The backup repository is not encrypted (repo1-cipher-type = none): every copy of it, a volume backup or a " +
            "bucket, holds the whole database in clear; set repo1-cipher-type=aes-256-cbc with a passphrase, as pg-cluster does.");
    });

    it("reports a retention that keeps no full backup", async () => {
        const resources = production();
        setConf(repositoryFiles(resources), REPOSITORY_CONF.replace("repo1-retention-full=2", "repo1-retention-full=0"));
        await assertHasViolation(policy, stackArgs(resources),
            "The backup repository's retention keeps no full backup (repo1-retention-full = 0), so there is nothing to " +
            "restore from; set pg-cluster:backupRetentionFull to 1 or more.");
    });

    it("ignores a stanza section's settings for the global ones", async () => {
        const resources = production();
        setConf(repositoryFiles(resources), REPOSITORY_CONF + "repo1-cipher-type=none\n");
        await assertNoViolations(policy, stackArgs(resources));
    });
});
