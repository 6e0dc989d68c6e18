import { describe, it } from "node:test";
import { pgRewindReady } from "../rules/pgRewindReady";
import { clusterResources, CONTAINER, propsOf, removeSetting, setEnv, setSetting } from "./builders";
import { assertHasViolation, assertNoViolations, stackArgs, urnOf } from "./util";

const NODES = ["pg0", "pg1", "pg2"];

describe("pg-rewind-ready", () => {
    const policy = pgRewindReady;
    const withoutChecksums = () => {
        const resources = clusterResources(2);
        for (const node of NODES) {
            setEnv(propsOf(resources, node), "POSTGRES_INITDB_ARGS", "--auth-local=peer --auth-host=scram-sha-256");
        }
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
            "Node pg1 has neither wal_log_hints=on nor data checksums (--data-checksums in the primary's POSTGRES_INITDB_ARGS); " +
            "pg_rewind could not resync it after a failover.",
            urnOf(CONTAINER, "pg1"));
    });
});
