import { describe, it } from "node:test";
import { synchronousStandbysExist } from "../rules/synchronousStandbysExist";
import { clusterResources, CONTAINER, propsOf, setSetting } from "./builders";
import { assertHasViolation, assertNoViolations, stackArgs, urnOf } from "./util";

describe("synchronous-standbys-exist", () => {
    const policy = synchronousStandbysExist;
    const withSync = (names: string, commit = "on", replicas = 2) => {
        const resources = clusterResources(replicas);
        setSetting(propsOf(resources, "pg0"), "synchronous_standby_names", names);
        setSetting(propsOf(resources, "pg0"), "synchronous_commit", commit);
        return stackArgs(resources);
    };

    it("passes an asynchronous cluster", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(2)));
    });

    it("passes ANY 1 of two existing replicas", async () => {
        await assertNoViolations(policy, withSync("ANY 1 (pg1,pg2)"));
    });

    it("passes quoted names and the plain list form", async () => {
        await assertNoViolations(policy, withSync("\"pg1\", pg2"));
    });

    it("passes * with replicas", async () => {
        await assertNoViolations(policy, withSync("FIRST 2 (*)"));
    });

    it("reports more synchronous standbys than named replicas exist", async () => {
        await assertHasViolation(policy, withSync("FIRST 2 (pg1,pg9)"),
            "synchronous_standby_names \"FIRST 2 (pg1,pg9)\" on primary pg0 needs 2 synchronous standby(s) but only 1 (pg1) " +
            "of the named standbys is a replica in this stack; commits would wait forever.",
            urnOf(CONTAINER, "pg0"));
    });

    it("reports names of which none is a replica", async () => {
        await assertHasViolation(policy, withSync("ANY 1 (pg8,pg9)"),
            "synchronous_standby_names \"ANY 1 (pg8,pg9)\" on primary pg0 needs 1 synchronous standby(s) but none " +
            "of the named standbys is a replica in this stack; commits would wait forever.");
    });

    it("reports * without any replica", async () => {
        await assertHasViolation(policy, withSync("*", "on", 0),
            "synchronous_standby_names \"*\" on primary pg0 needs 1 synchronous standby(s) but none " +
            "of the named standbys is a replica in this stack; commits would wait forever.");
    });

    it("passes missing standbys when synchronous_commit is local", async () => {
        await assertNoViolations(policy, withSync("ANY 1 (pg8,pg9)", "local"));
    });

    it("reports a value that cannot be parsed", async () => {
        await assertHasViolation(policy, withSync("ANY (pg1"), "synchronous_standby_names \"ANY (pg1\" on primary pg0 cannot be parsed.");
    });
});
