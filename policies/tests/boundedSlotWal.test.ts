import { describe, it } from "node:test";
import { boundedSlotWal } from "../rules/boundedSlotWal";
import {
    COMMAND, containerProps, CONTAINER, dcsConfigStepWith, etcdConfig, IN_DCS_CONFIG, inMemberConfig, memberConfStepProps,
    patroniContainerProps, patroniMemberConfWith, removeSetting, setSetting,
} from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, resourceArgs, UNKNOWN_STRING } from "./util";

describe("bounded-slot-wal", () => {
    const policy = boundedSlotWal;
    const args = (props: Record<string, any>) => resourceArgs(CONTAINER, props);
    const withValue = (value: string) => {
        const props = containerProps("pg0");
        setSetting(props, "max_slot_wal_keep_size", value);
        return args(props);
    };

    it("passes a bound of 1GB", async () => {
        await assertNoViolations(policy, args(containerProps("pg0")));
    });

    it("passes a bound on a replica too", async () => {
        await assertNoViolations(policy, args(containerProps("pg1")));
    });

    it("passes a bound without a unit (MB)", async () => {
        await assertNoViolations(policy, withValue("1024"));
    });

    it("reports -1", async () => {
        await assertHasViolation(policy, withValue("-1"),
            "max_slot_wal_keep_size is -1 (unbounded): a lagging or lost replica's slot can keep WAL " +
            "until the primary's disk is full; set a bound such as 1GB.");
    });

    it("reports a missing setting", async () => {
        const props = containerProps("pg0");
        removeSetting(props, "max_slot_wal_keep_size");
        await assertHasViolation(policy, args(props),
            "max_slot_wal_keep_size is not set, so PostgreSQL's default -1 lets a lagging or lost replica's slot " +
            "keep WAL until the primary's disk is full; pass -c max_slot_wal_keep_size=<size>, e.g. 1GB.");
    });

    it("reports a value that is not a size", async () => {
        await assertHasViolation(policy, withValue("lots"), "max_slot_wal_keep_size \"lots\" is not a valid size; use e.g. 1GB.");
    });

    it("reports a negative value other than -1", async () => {
        await assertHasViolation(policy, withValue("-5"), "max_slot_wal_keep_size \"-5\" is not a valid size; use e.g. 1GB.");
    });

    it("skips a command that is unknown during preview", async () => {
        const props = containerProps("pg0");
        props.command[4] = UNKNOWN_STRING;
        await assertNoViolations(policy, args(props));
    });

    it("does not apply to a container that is not a PostgreSQL node", async () => {
        await assertNotApplicable(policy, args({ name: "exporter", image: "nginx:1.27", command: ["nginx"] }));
    });
});

describe("bounded-slot-wal with ha: patroni", () => {
    const policy = boundedSlotWal;
    const notSet = (where: string) =>
        `${where}, max_slot_wal_keep_size is not set, so PostgreSQL's default -1 lets a lagging or lost replica's slot ` +
        "keep WAL until the primary's disk is full; set max_slot_wal_keep_size in postgresql.parameters, e.g. 1GB.";

    it("passes the DCS configuration's bound and a member's", async () => {
        await assertNoViolations(policy, resourceArgs(COMMAND, dcsConfigStepWith(), { name: "dcs-config" }));
        await assertNoViolations(policy, resourceArgs(COMMAND, patroniMemberConfWith("pg1"), { name: "pg1-member-conf" }));
    });

    it("does not apply to a Patroni member's container nor to an etcd member's configuration", async () => {
        await assertNotApplicable(policy, resourceArgs(CONTAINER, patroniContainerProps("pg1")));
        await assertNotApplicable(policy, resourceArgs(COMMAND, memberConfStepProps("etcd0", etcdConfig("etcd0"))));
    });

    it("reports a DCS configuration without max_slot_wal_keep_size (Patroni keeps a slot for every member)", async () => {
        await assertHasViolation(policy,
            resourceArgs(COMMAND, dcsConfigStepWith((c) => delete c.postgresql.parameters.max_slot_wal_keep_size), { name: "dcs-config" }),
            notSet(IN_DCS_CONFIG));
    });

    it("reports -1 in a member's bootstrap.dcs", async () => {
        await assertHasViolation(policy,
            resourceArgs(COMMAND, patroniMemberConfWith("pg1", (c) => (c.bootstrap.dcs.postgresql.parameters.max_slot_wal_keep_size = -1)),
                { name: "pg1-member-conf" }),
            `${inMemberConfig("pg1-member-conf")}, max_slot_wal_keep_size is -1 (unbounded): a lagging or lost replica's slot ` +
            "can keep WAL until the primary's disk is full; set a bound such as 1GB.");
    });
});
