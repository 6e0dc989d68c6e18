import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { productionAutomaticFailover } from "../rules/productionAutomaticFailover";
import { clusterResources, CONTAINER, NETWORK, patroniClusterResources, propsOf } from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, stackArgs, UNKNOWN_STRING } from "./util";

describe("production-automatic-failover", () => {
    const policy = productionAutomaticFailover;
    const haNone = (nodes: string) =>
        `Production stack runs its nodes (${nodes}) without automatic failover (ha: none): when the primary fails, writes ` +
        "stop until someone runs pulumi up with another pg-cluster:primary; set pg-cluster:ha to patroni (with its etcd " +
        "members) so a replica takes over by itself.";

    it("is mandatory: the shipped production stack runs ha: patroni", () => {
        assert.equal(policy.enforcementLevel, "mandatory");
    });

    it("passes a production stack run by Patroni", async () => {
        await assertNoViolations(policy, stackArgs(patroniClusterResources(3, "production")));
    });

    it("reports a production stack with ha: none", async () => {
        await assertHasViolation(policy, stackArgs(clusterResources(3, "production")), haNone("pg0, pg1, pg2, pg3"));
    });

    it("does not take etcd members for Patroni members: a production stack with etcd beside plain nodes is still ha: none", async () => {
        const resources = clusterResources(1, "production");
        for (const r of patroniClusterResources(1, "production")) {
            if (r.name.startsWith("etcd") && r.type === CONTAINER) {
                resources.push({ ...r, dependsOn: [] });
            }
        }
        await assertHasViolation(policy, stackArgs(resources), haNone("pg0, pg1"));
    });

    it("does not apply to staging or development", async () => {
        await assertNotApplicable(policy, stackArgs(clusterResources(2, "staging")));
        await assertNotApplicable(policy, stackArgs(clusterResources(2, "development")));
    });

    it("decides during preview too: without a dcs-config step a stack is ha: none, containers undecided or not", async () => {
        const resources = clusterResources(2, "production");
        resources.push({ type: CONTAINER, name: "pgx", props: { name: "pg-cluster-prod-pgx", labels: UNKNOWN_STRING, command: UNKNOWN_STRING } });
        await assertHasViolation(policy, stackArgs(resources), haNone("pg0, pg1, pg2"));
    });

    it("tells production from the network's label in a preview, when no node's labels are known yet", async () => {
        const resources = clusterResources(2, "production").map((r) => r.type === CONTAINER
            ? { ...r, props: { name: r.props.name, labels: UNKNOWN_STRING, command: UNKNOWN_STRING } }
            : r);
        resources.push({ type: NETWORK, name: "pg-cluster-prod-net", props: { name: "pg-cluster-prod-net",
            labels: [{ label: "pg-cluster.environment", value: "production" }] } });
        await assertHasViolation(policy, stackArgs(resources),
            "Production stack runs its nodes (not named yet) without automatic failover (ha: none): when the primary fails, " +
            "writes stop until someone runs pulumi up with another pg-cluster:primary; set pg-cluster:ha to patroni (with its " +
            "etcd members) so a replica takes over by itself.");
    });

    it("passes a preview of a Patroni stack: its dcs-config step is known while its containers are not", async () => {
        const resources = patroniClusterResources(2, "production").map((r) => r.type === CONTAINER
            ? { ...r, props: { name: r.props.name, labels: UNKNOWN_STRING, command: UNKNOWN_STRING } }
            : r);
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("decides on the nodes' labels, whatever the container's name", async () => {
        const resources = clusterResources(1, "production");
        propsOf(resources, "pg1").name = "db-replica";
        await assertHasViolation(policy, stackArgs(resources), haNone("pg0, pg1"));
    });
});
