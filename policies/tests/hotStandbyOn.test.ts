import { describe, it } from "node:test";
import { hotStandbyOn } from "../rules/hotStandbyOn";
import {
    COMMAND, containerProps, CONTAINER, dcsConfigStepWith, patroniContainerProps, patroniMemberConfWith, removeSetting, setSetting,
} from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, resourceArgs } from "./util";

describe("hot-standby-on", () => {
    const policy = hotStandbyOn;
    const replicaWith = (value: string | undefined) => {
        const props = containerProps("pg1");
        if (value === undefined) {
            removeSetting(props, "hot_standby");
        } else {
            setSetting(props, "hot_standby", value);
        }
        return resourceArgs(CONTAINER, props);
    };

    it("passes hot_standby=on", async () => {
        await assertNoViolations(policy, replicaWith("on"));
    });

    it("passes PostgreSQL's default (on)", async () => {
        await assertNoViolations(policy, replicaWith(undefined));
    });

    it("reports hot_standby=off", async () => {
        await assertHasViolation(policy, replicaWith("off"),
            "hot_standby is off, so a standby refuses every connection (health checks fail, no read-only queries); set hot_standby=on.");
    });

    it("reports a value that is not a boolean", async () => {
        await assertHasViolation(policy, replicaWith("sometimes"), "hot_standby \"sometimes\" is not a boolean; set hot_standby=on.");
    });
});

describe("hot-standby-on with ha: patroni", () => {
    const policy = hotStandbyOn;

    it("does not apply to a Patroni member's container, whose command carries no setting", async () => {
        await assertNotApplicable(policy, resourceArgs(CONTAINER, patroniContainerProps("pg1")));
    });

    it("passes the DCS configuration", async () => {
        await assertNoViolations(policy, resourceArgs(COMMAND, dcsConfigStepWith(), { name: "dcs-config" }));
    });

    // Patroni passes hot_standby on the command line itself and refuses any value but on (it logs
    // a warning and runs with on), so a DCS configuration that says off is wrong but harmless.
    it("passes hot_standby=off in the DCS configuration: Patroni refuses it and runs with on", async () => {
        await assertNoViolations(policy,
            resourceArgs(COMMAND, dcsConfigStepWith((c) => (c.postgresql.parameters.hot_standby = "off")), { name: "dcs-config" }));
    });

    it("passes hot_standby=off in a member's own postgresql.parameters: Patroni takes it from the DCS only", async () => {
        await assertNoViolations(policy,
            resourceArgs(COMMAND, patroniMemberConfWith("pg1", (c) => (c.postgresql.parameters.hot_standby = "off")), { name: "pg1-member-conf" }));
    });

    it("still reports hot_standby=off on a node that runs postgres itself", async () => {
        const props = containerProps("pg1");
        setSetting(props, "hot_standby", "off");
        await assertHasViolation(policy, resourceArgs(CONTAINER, props),
            "hot_standby is off, so a standby refuses every connection (health checks fail, no read-only queries); set hot_standby=on.");
    });
});
