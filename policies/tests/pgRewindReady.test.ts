import { describe, it } from "node:test";
import { pgRewindReady } from "../rules/pgRewindReady";
import { clusterResources, CONTAINER, editConfig, editDcs, patroniClusterResources, propsOf, removeSetting, setDcsParameter, setSetting } from "./builders";
import { assertHasViolation, assertHasViolations, assertNoViolations, stackArgs, urnOf } from "./util";

const NODES = ["pg0", "pg1", "pg2"];
const NEITHER = (node: string) =>
    `Node ${node} has neither wal_log_hints=on nor data checksums (--data-checksums in PGC_INITDB_ARGS of the primary's ` +
    "seed step); pg_rewind could not resync it after a failover.";

describe("pg-rewind-ready", () => {
    const policy = pgRewindReady;
    const withoutChecksums = () => {
        const resources = clusterResources(2);
        propsOf(resources, "pg0-seed").environment.PGC_INITDB_ARGS = "--auth-local=peer --auth-host=scram-sha-256";
        return resources;
    };

    it("passes wal_log_hints=on with data checksums", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(2)));
    });

    it("passes data checksums alone", async () => {
        const resources = clusterResources(2);
        NODES.forEach((node) => removeSetting(propsOf(resources, node), "wal_log_hints"));
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("passes wal_log_hints=on alone", async () => {
        await assertNoViolations(policy, stackArgs(withoutChecksums()));
    });

    it("reports a node with neither", async () => {
        const resources = withoutChecksums();
        setSetting(propsOf(resources, "pg1"), "wal_log_hints", "off");
        await assertHasViolation(policy, stackArgs(resources),
            NEITHER("pg1"),
            urnOf(CONTAINER, "pg1"));
    });

    it("passes -k in the primary's seed step", async () => {
        const resources = clusterResources(2);
        propsOf(resources, "pg0-seed").environment.PGC_INITDB_ARGS = "--auth-local=peer --auth-host=scram-sha-256 -k";
        NODES.forEach((node) => removeSetting(propsOf(resources, node), "wal_log_hints"));
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("does not take checksums from a standby's seed step, which runs no initdb", async () => {
        const resources = withoutChecksums();
        propsOf(resources, "pg1-seed").environment.PGC_INITDB_ARGS = "--data-checksums";
        NODES.forEach((node) => removeSetting(propsOf(resources, node), "wal_log_hints"));
        await assertHasViolations(policy, stackArgs(resources), NODES.map(NEITHER));
    });

    it("reports every node without wal_log_hints when no seed step initializes the cluster", async () => {
        const resources = clusterResources(2);
        propsOf(resources, "pg0-seed").environment.PGC_ROLE = "replica";
        NODES.forEach((node) => removeSetting(propsOf(resources, node), "wal_log_hints"));
        await assertHasViolations(policy, stackArgs(resources), NODES.map(NEITHER));
    });
});

describe("pg-rewind-ready with ha: patroni", () => {
    const policy = pgRewindReady;
    const IN_DCS = " (in the DCS configuration, PGC_DCS_CONFIG of step dcs-config)";
    const neither = (node: string) =>
        `Node ${node}${IN_DCS} has neither wal_log_hints=on nor data checksums (data-checksums in bootstrap.initdb of every ` +
        "member's Patroni configuration); pg_rewind could not resync it after a failover.";
    const noRewind = (node: string) =>
        `Patroni does not run pg_rewind on node ${node}${IN_DCS} (postgresql.use_pg_rewind is not true); after a failover ` +
        "the former leader cannot rejoin as a replica until it is copied afresh.";

    it("passes wal_log_hints=on, data checksums and use_pg_rewind", async () => {
        await assertNoViolations(policy, stackArgs(patroniClusterResources(2)));
    });

    it("passes wal_log_hints=off when every member's bootstrap.initdb asks for data checksums", async () => {
        const resources = patroniClusterResources(2);
        setDcsParameter(resources, "wal_log_hints", "off");
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("passes wal_log_hints left to Patroni, which turns it on", async () => {
        const resources = patroniClusterResources(2);
        setDcsParameter(resources, "wal_log_hints", undefined);
        editConfig(propsOf(resources, "pg1-member-conf"), "PGC_CONFIG", (c) => (c.bootstrap.initdb = [{ encoding: "UTF8" }]));
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("reports wal_log_hints=off when one member would make the cluster without checksums", async () => {
        const resources = patroniClusterResources(2);
        setDcsParameter(resources, "wal_log_hints", "off");
        editConfig(propsOf(resources, "pg1-member-conf"), "PGC_CONFIG", (c) => (c.bootstrap.initdb = [{ encoding: "UTF8" }]));
        await assertHasViolations(policy, stackArgs(resources), ["pg0", "pg1", "pg2"].map(neither));
    });

    it("reports use_pg_rewind off", async () => {
        const resources = patroniClusterResources(1);
        editDcs(resources, (dcs) => (dcs.postgresql.use_pg_rewind = false));
        await assertHasViolations(policy, stackArgs(resources), ["pg0", "pg1"].map(noRewind));
    });

    it("reports use_pg_rewind left to Patroni, whose default is off", async () => {
        const resources = patroniClusterResources(1);
        editDcs(resources, (dcs) => delete dcs.postgresql.use_pg_rewind);
        await assertHasViolations(policy, stackArgs(resources), ["pg0", "pg1"].map(noRewind));
    });
});
