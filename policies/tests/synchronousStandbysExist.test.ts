import { describe, it } from "node:test";
import { synchronousStandbysExist } from "../rules/synchronousStandbysExist";
import { clusterResources, CONTAINER, editConfig, editDcs, patroniClusterResources, propsOf, setDcsParameter, setSetting } from "./builders";
import { assertHasViolation, assertHasViolations, assertNoViolations, stackArgs, urnOf } from "./util";

describe("synchronous-standbys-exist", () => {
    const policy = synchronousStandbysExist;
    /** The setting on the given nodes (the program sets it on every node). */
    const withSync = (names: string, commit = "on", replicas = 2, on: string[] = ["pg0"]) => {
        const resources = clusterResources(replicas);
        for (const node of on) {
            setSetting(propsOf(resources, node), "synchronous_standby_names", names);
            setSetting(propsOf(resources, node), "synchronous_commit", commit);
        }
        return stackArgs(resources);
    };
    const everyNode = ["pg0", "pg1", "pg2"];
    const tooFew = (names: string, node: string, have: string) =>
        `synchronous_standby_names ${JSON.stringify(names)} on node ${node} needs ${/\d+/.exec(names)?.[0] ?? 1} synchronous ` +
        `standby(s) but ${have} of the named standbys is another node of this stack; while ${node} is the primary, ` +
        "commits would wait forever.";

    it("passes an asynchronous cluster", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(2)));
    });

    it("passes ANY 1 naming every node on every node, as the program declares it", async () => {
        await assertNoViolations(policy, withSync("ANY 1 (pg0,pg1,pg2)", "on", 2, everyNode));
    });

    it("passes ANY 2 naming every node of three: whichever is the primary, two others remain", async () => {
        await assertNoViolations(policy, withSync("ANY 2 (pg0,pg1,pg2)", "remote_apply", 2, everyNode));
    });

    it("passes quoted names and the plain list form", async () => {
        await assertNoViolations(policy, withSync("\"pg1\", pg2"));
    });

    it("passes * with standbys", async () => {
        await assertNoViolations(policy, withSync("FIRST 2 (*)"));
    });

    it("reports a count above nodes - 1 although every node is named, on every node", async () => {
        await assertHasViolations(policy, withSync("ANY 3 (pg0,pg1,pg2)", "on", 2, everyNode), [
            tooFew("ANY 3 (pg0,pg1,pg2)", "pg0", "only 2 (pg1, pg2)"),
            tooFew("ANY 3 (pg0,pg1,pg2)", "pg1", "only 2 (pg0, pg2)"),
            tooFew("ANY 3 (pg0,pg1,pg2)", "pg2", "only 2 (pg0, pg1)"),
        ]);
    });

    it("reports names that suffice only while pg0 is the primary, on the nodes that may become primary", async () => {
        await assertHasViolations(policy, withSync("FIRST 2 (pg1,pg2)", "on", 2, everyNode), [
            tooFew("FIRST 2 (pg1,pg2)", "pg1", "only 1 (pg2)"),
            tooFew("FIRST 2 (pg1,pg2)", "pg2", "only 1 (pg1)"),
        ]);
    });

    it("does not count the node itself as its own standby", async () => {
        await assertHasViolation(policy, withSync("ANY 1 (pg0)"), tooFew("ANY 1 (pg0)", "pg0", "none"), urnOf(CONTAINER, "pg0"));
    });

    it("reports more synchronous standbys than named nodes exist", async () => {
        await assertHasViolation(policy, withSync("FIRST 2 (pg1,pg9)"), tooFew("FIRST 2 (pg1,pg9)", "pg0", "only 1 (pg1)"),
            urnOf(CONTAINER, "pg0"));
    });

    it("reports names of which none is a node", async () => {
        await assertHasViolation(policy, withSync("ANY 1 (pg8,pg9)"), tooFew("ANY 1 (pg8,pg9)", "pg0", "none"));
    });

    it("reports * on a single node", async () => {
        await assertHasViolation(policy, withSync("*", "on", 0), tooFew("*", "pg0", "none"));
    });

    it("passes missing standbys when synchronous_commit is local", async () => {
        await assertNoViolations(policy, withSync("ANY 1 (pg8,pg9)", "local"));
    });

    it("reports a value that cannot be parsed", async () => {
        await assertHasViolation(policy, withSync("ANY (pg1"), "synchronous_standby_names \"ANY (pg1\" on node pg0 cannot be parsed.");
    });
});

describe("synchronous-standbys-exist with ha: patroni", () => {
    const policy = synchronousStandbysExist;
    const IN_DCS = " (in the DCS configuration, PGC_DCS_CONFIG of step dcs-config)";
    const synchronous = (mode: boolean | string, count: number | string, replicas = 2) => {
        const resources = patroniClusterResources(replicas);
        editDcs(resources, (dcs) => {
            dcs.synchronous_mode = mode;
            dcs.synchronous_node_count = count;
        });
        return resources;
    };
    const tooMany = (count: number, node: string, have: string) =>
        `synchronous_node_count ${count} on node ${node}${IN_DCS} asks Patroni for ${count} synchronous standby(s) but ${have} ` +
        `of the other members can be one (a member tagged nosync cannot); while ${node} leads, no commit is ever confirmed ` +
        `by ${count} standbys.`;

    it("passes an asynchronous Patroni cluster", async () => {
        await assertNoViolations(policy, stackArgs(patroniClusterResources(2)));
    });

    it("passes quorum mode with one synchronous standby, as the program declares ANY 1", async () => {
        await assertNoViolations(policy, stackArgs(synchronous("quorum", 1)));
    });

    it("passes synchronous mode with as many synchronous standbys as the other members", async () => {
        await assertNoViolations(policy, stackArgs(synchronous(true, 2)));
    });

    it("passes synchronous_standby_names in the DCS configuration while synchronous mode is on: Patroni sets its own", async () => {
        const resources = synchronous(true, 1);
        setDcsParameter(resources, "synchronous_standby_names", "FIRST 3 (nowhere)");
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("reports more synchronous standbys than the other members, on every member", async () => {
        await assertHasViolations(policy, stackArgs(synchronous(true, 3)), [
            tooMany(3, "pg0", "only 2 (pg1, pg2)"),
            tooMany(3, "pg1", "only 2 (pg0, pg2)"),
            tooMany(3, "pg2", "only 2 (pg0, pg1)"),
        ]);
    });

    it("does not count a member tagged nosync", async () => {
        const resources = synchronous("quorum", 2);
        editConfig(propsOf(resources, "pg2-member-conf"), "PGC_CONFIG", (c) => (c.tags.nosync = true));
        await assertHasViolations(policy, stackArgs(resources), [
            tooMany(2, "pg0", "only 1 (pg1)"),
            tooMany(2, "pg1", "only 1 (pg0)"),
        ]);
    });

    it("reports a synchronous_node_count that is not a number", async () => {
        const resources = synchronous(true, "two", 1);
        await assertHasViolations(policy, stackArgs(resources), ["pg0", "pg1"].map((node) =>
            `synchronous_node_count "two" on node ${node}${IN_DCS} is not a whole number of standbys (1 or more).`));
    });

    it("holds synchronous_standby_names to the members while synchronous mode is off: Patroni passes it on", async () => {
        const resources = patroniClusterResources(1);
        setDcsParameter(resources, "synchronous_standby_names", "FIRST 1 (pgx)");
        await assertHasViolations(policy, stackArgs(resources), ["pg0", "pg1"].map((node) =>
            `synchronous_standby_names "FIRST 1 (pgx)" on node ${node}${IN_DCS} needs 1 synchronous standby(s) but none of ` +
            `the named standbys is another node of this stack; while ${node} is the primary, commits would wait forever.`));
    });
});
