import { describe, it } from "node:test";
import { patroniDcsMembers } from "../rules/patroniDcsMembers";
import { clusterResources, CONTAINER, editConfig, patroniClusterResources, propsOf } from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, stackArgs, TestResource, UNKNOWN_STRING, urnOf } from "./util";

function without(resources: TestResource[], ...names: string[]): TestResource[] {
    return resources
        .filter((r) => !names.includes(r.name))
        .map((r) => ({ ...r, dependsOn: (r.dependsOn ?? []).filter((d) => !names.includes(d)) }));
}

describe("patroni-dcs-members", () => {
    const policy = patroniDcsMembers;
    const tooFew = (have: string) =>
        `The Patroni members (pg0, pg1, pg2) have ${have} as their DCS; etcd answers only while a majority of its members ` +
        "run, so with fewer than 3 one etcd member down stops the DCS, and Patroni then demotes the leader: the cluster " +
        "takes no writes. Declare at least 3 (pg-cluster:dcsMembers).";

    it("passes three etcd members, each keeping its data on its volume", async () => {
        await assertNoViolations(policy, stackArgs(patroniClusterResources(2)));
    });

    it("passes five", async () => {
        await assertNoViolations(policy, stackArgs(patroniClusterResources(2, "development", 5)));
    });

    it("reports two etcd members", async () => {
        await assertHasViolation(policy, stackArgs(patroniClusterResources(2, "development", 2)), tooFew("only 2 etcd member(s) (etcd0, etcd1)"));
    });

    it("reports one", async () => {
        await assertHasViolation(policy, stackArgs(patroniClusterResources(2, "development", 1)), tooFew("only 1 etcd member(s) (etcd0)"));
    });

    it("reports none", async () => {
        const resources = without(patroniClusterResources(2), "etcd0", "etcd1", "etcd2");
        await assertHasViolation(policy, stackArgs(resources), tooFew("no etcd member"));
    });

    it("counts a container labelled pg-cluster.ha-member=etcd whatever its entrypoint", async () => {
        const resources = patroniClusterResources(2, "development", 2);
        const extra = structuredClone(propsOf(resources, "etcd1"));
        extra.entrypoints = ["/usr/local/bin/start-etcd"];
        extra.labels.push({ label: "pg-cluster.ha-member", value: "etcd" });
        resources.push({ type: CONTAINER, name: "etcd9", props: extra });
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("does not count the etcd members while a container may still be one (its entrypoint unknown during preview)", async () => {
        const resources = patroniClusterResources(2, "development", 2);
        resources.push({ type: CONTAINER, name: "etcdx", props: { name: "pg-cluster-dev-etcdx", labels: UNKNOWN_STRING, entrypoints: UNKNOWN_STRING } });
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("reports an etcd member keeping its data off its volume", async () => {
        const resources = patroniClusterResources(2);
        editConfig(propsOf(resources, "etcd1-member-conf"), "PGC_CONFIG", (c) => (c["data-dir"] = "/tmp/etcd"));
        await assertHasViolation(policy, stackArgs(resources),
            "etcd member etcd1 keeps its data in \"/tmp/etcd\" (data-dir in PGC_CONFIG of step etcd1-member-conf), which is on " +
            "no named volume of its container: a replaced container comes back empty and cannot rejoin the DCS; put it on " +
            "the member's volume.",
            urnOf(CONTAINER, "etcd1"));
    });

    it("reports an etcd member without a data-dir (etcd's default is its working directory)", async () => {
        const resources = patroniClusterResources(2);
        editConfig(propsOf(resources, "etcd2-member-conf"), "PGC_CONFIG", (c) => delete c["data-dir"]);
        await assertHasViolation(policy, stackArgs(resources),
            "etcd member etcd2 sets no data directory (data-dir in PGC_CONFIG of step etcd2-member-conf), so etcd keeps its " +
            "data in its working directory, in the container's layer: a replaced container comes back empty and cannot " +
            "rejoin the DCS; set data-dir on the member's volume.",
            urnOf(CONTAINER, "etcd2"));
    });

    it("does not apply to a stack without Patroni members", async () => {
        await assertNotApplicable(policy, stackArgs(clusterResources(2)));
    });
});
