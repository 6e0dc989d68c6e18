import { describe, it } from "node:test";
import { hotStandbyOn } from "../rules/hotStandbyOn";
import { containerProps, CONTAINER, removeSetting, setSetting } from "./builders";
import { assertHasViolation, assertNoViolations, resourceArgs } from "./util";

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
