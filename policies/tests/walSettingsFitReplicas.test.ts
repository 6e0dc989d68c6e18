import { describe, it } from "node:test";
import { walSettingsFitReplicas } from "../rules/walSettingsFitReplicas";
import {
    clusterResources, editConfig, NETWORK, patroniClusterResources, propsOf, removeSetting, setDcsParameter, setSetting,
} from "./builders";
import { assertHasViolation, assertHasViolations, assertNoViolations, assertNotApplicable, stackArgs, UNKNOWN_STRING, urnOf } from "./util";
import { CONTAINER } from "../lib/types";

describe("wal-settings-fit-replicas", () => {
    const policy = walSettingsFitReplicas;

    it("passes the program's settings with two replicas", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(2)));
    });

    it("passes PostgreSQL 17's defaults with two replicas", async () => {
        const resources = clusterResources(2);
        for (const node of ["pg0", "pg1", "pg2"]) {
            for (const setting of ["wal_level", "max_wal_senders", "max_replication_slots"]) {
                removeSetting(propsOf(resources, node), setting);
            }
        }
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("passes wal_level=logical", async () => {
        const resources = clusterResources(2);
        setSetting(propsOf(resources, "pg0"), "wal_level", "logical");
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("reports wal_level=minimal", async () => {
        const resources = clusterResources(2);
        setSetting(propsOf(resources, "pg0"), "wal_level", "minimal");
        await assertHasViolation(policy, stackArgs(resources),
            "wal_level is \"minimal\" on node pg0; streaming replication needs wal_level=replica or logical.",
            urnOf(CONTAINER, "pg0"));
    });

    it("reports too few WAL senders on a replica", async () => {
        const resources = clusterResources(2);
        setSetting(propsOf(resources, "pg1"), "max_wal_senders", "3");
        await assertHasViolation(policy, stackArgs(resources),
            "max_wal_senders is 3 on node pg1 but the stack has 2 replicas; " +
            "it needs at least 4 (one per replica plus 2 for a pg_basebackup -X stream).",
            urnOf(CONTAINER, "pg1"));
    });

    it("counts a single replica", async () => {
        const resources = clusterResources(1);
        setSetting(propsOf(resources, "pg0"), "max_wal_senders", "2");
        await assertHasViolation(policy, stackArgs(resources),
            "max_wal_senders is 2 on node pg0 but the stack has 1 replica; " +
            "it needs at least 3 (one per replica plus 2 for a pg_basebackup -X stream).");
    });

    it("reports too few replication slots", async () => {
        const resources = clusterResources(2);
        setSetting(propsOf(resources, "pg0"), "max_replication_slots", "1");
        await assertHasViolation(policy, stackArgs(resources),
            "max_replication_slots is 1 on node pg0 but the stack has 2 replicas; it needs at least 2 (one slot per replica).");
    });

    it("reports a value that is not an integer", async () => {
        const resources = clusterResources(2);
        setSetting(propsOf(resources, "pg0"), "max_wal_senders", "ten");
        await assertHasViolation(policy, stackArgs(resources), "max_wal_senders is \"ten\" on node pg0; it must be an integer.");
    });

    it("skips a node whose command is unknown during preview", async () => {
        const resources = clusterResources(2);
        const props = propsOf(resources, "pg1");
        setSetting(props, "max_wal_senders", "1");
        props.command[0] = UNKNOWN_STRING;
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("does not apply to a stack without PostgreSQL nodes", async () => {
        await assertNotApplicable(policy, stackArgs([{ type: NETWORK, name: "network", props: { name: "net" } }]));
    });
});

describe("wal-settings-fit-replicas with ha: patroni", () => {
    const policy = walSettingsFitReplicas;
    const IN_DCS = " (in the DCS configuration, PGC_DCS_CONFIG of step dcs-config)";

    it("passes the DCS configuration's settings with three replicas", async () => {
        await assertNoViolations(policy, stackArgs(patroniClusterResources(3)));
    });

    it("passes a DCS configuration that leaves them to Patroni (replica, 10 senders, 10 slots)", async () => {
        const resources = patroniClusterResources(3);
        for (const setting of ["wal_level", "max_wal_senders", "max_replication_slots"]) {
            setDcsParameter(resources, setting, undefined);
        }
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("passes max_wal_senders=2: Patroni refuses fewer than 3 and runs with its 10", async () => {
        const resources = patroniClusterResources(3);
        setDcsParameter(resources, "max_wal_senders", "2");
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("reports 4 WAL senders for three replicas on every member, where the DCS configuration declares them", async () => {
        const resources = patroniClusterResources(3);
        setDcsParameter(resources, "max_wal_senders", "4");
        await assertHasViolations(policy, stackArgs(resources), ["pg0", "pg1", "pg2", "pg3"].map((node) =>
            `max_wal_senders is 4 on node ${node}${IN_DCS} but the stack has 3 replicas; ` +
            "it needs at least 5 (one per replica plus 2 for a pg_basebackup -X stream)."));
    });

    it("reports too few slots in one member's bootstrap.dcs, which differs from the DCS configuration", async () => {
        const resources = patroniClusterResources(5);
        editConfig(propsOf(resources, "pg2-member-conf"), "PGC_CONFIG", (c) => (c.bootstrap.dcs.postgresql.parameters.max_replication_slots = "4"));
        await assertHasViolation(policy, stackArgs(resources),
            "max_replication_slots is 4 on node pg2 (in bootstrap.dcs of its Patroni configuration, PGC_CONFIG of step " +
            "pg2-member-conf) but the stack has 5 replicas; it needs at least 5 (one slot per replica).",
            urnOf(CONTAINER, "pg2"));
    });

    it("ignores max_wal_senders in a member's own postgresql.parameters: Patroni takes it from the DCS only", async () => {
        const resources = patroniClusterResources(3);
        editConfig(propsOf(resources, "pg1-member-conf"), "PGC_CONFIG", (c) => (c.postgresql.parameters.max_wal_senders = "3"));
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("does not count the etcd members as replicas", async () => {
        await assertNoViolations(policy, stackArgs(patroniClusterResources(1, "development", 5)));
    });
});
