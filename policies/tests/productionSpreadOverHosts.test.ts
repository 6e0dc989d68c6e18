import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { productionSpreadOverHosts } from "../rules/productionSpreadOverHosts";
import {
    clusterResources, CONTAINER, DOCKER_HOSTS, DOCKER_PROVIDER, patroniClusterResources, placedOnHosts, previewOf, spreadOverHosts,
} from "./builders";
import { assertHasViolation, assertHasViolations, assertNoViolations, assertNotApplicable, stackArgs, TestResource, UNKNOWN_STRING } from "./util";

const [H1, H2] = [DOCKER_HOSTS.h1, DOCKER_HOSTS.h2];

const oneHost = (placement: string) =>
    `Production stack runs all its nodes on one Docker host (${placement}): when that machine or its engine fails, every ` +
    "node fails with it and no replica is left to take over; place the nodes on at least 2 Docker hosts " +
    "(pg-cluster:dockerHosts and pg-cluster:placement).";
const etcdOnTooFewHosts = (placement: string, losses: string, most: number, total: number, hosts: number) =>
    `Production stack's etcd members are placed so that one Docker host failing stops the DCS (${placement}): ${losses}: ` +
    "etcd stops and Patroni demotes the leader, so the cluster takes no writes; place them so no host holds more than " +
    `${most} of the ${total} (at least ${hosts} Docker hosts, pg-cluster:dockerHosts and pg-cluster:placement).`;

/** Patroni members pg0…pg3 spread over h1, h2, h3 (and h1); etcd members as given. */
function patroniPlaced(etcd: Record<string, string>, dcsMembers = Object.keys(etcd).length): TestResource[] {
    return placedOnHosts(patroniClusterResources(3, "production", dcsMembers), { pg0: "h1", pg1: "h2", pg2: "h3", pg3: "h1", ...etcd }, "production");
}

describe("production-spread-over-hosts", () => {
    const policy = productionSpreadOverHosts;

    it("is mandatory", () => {
        assert.equal(policy.enforcementLevel, "mandatory");
    });

    it("passes a production stack spread over three hosts, ha: none and ha: patroni", async () => {
        await assertNoViolations(policy, stackArgs(spreadOverHosts(clusterResources(3, "production"), "production")));
        await assertNoViolations(policy, stackArgs(spreadOverHosts(patroniClusterResources(3, "production"), "production")));
    });

    it("reports a production stack on the default provider alone, as the shipped one is", async () => {
        await assertHasViolation(policy, stackArgs(clusterResources(3, "production")), oneHost("pg0, pg1, pg2, pg3 on the default Docker host"));
    });

    it("reports every node on one host of dockerHosts, whatever host the monitoring runs on", async () => {
        const resources = placedOnHosts(clusterResources(2, "production"), { pg0: "h1", pg1: "h1", pg2: "h1", prometheus: "h2" }, "production");
        assert.ok(resources.some((r) => r.name === "prometheus" && r.provider !== undefined));
        await assertHasViolation(policy, stackArgs(resources), oneHost(`pg0, pg1, pg2 on ${H1}`));
    });

    it("counts engines, not providers: two providers of one host are one host", async () => {
        const resources = placedOnHosts(clusterResources(1, "production"), { pg0: "h1", pg1: "h2" }, "production", { h1: H1, h2: `${H1}/` });
        assert.equal(resources.filter((r) => r.type === DOCKER_PROVIDER).length, 2);
        await assertHasViolation(policy, stackArgs(resources), oneHost(`pg0, pg1 on ${H1}`));
    });

    it("counts the default provider's engine as a host of its own", async () => {
        await assertNoViolations(policy, stackArgs(placedOnHosts(clusterResources(1, "production"), { pg1: "h2" }, "production")));
    });

    it("reports etcd members on one host although the nodes are spread", async () => {
        await assertHasViolation(policy, stackArgs(patroniPlaced({ etcd0: "h1", etcd1: "h1", etcd2: "h1" })),
            etcdOnTooFewHosts(`etcd0, etcd1, etcd2 on ${H1}`, `${H1} holds 3 of the 3, and losing it leaves 0, no majority`, 1, 3, 3));
    });

    it("reports two of three etcd members on one host: losing it leaves no majority", async () => {
        await assertHasViolation(policy, stackArgs(patroniPlaced({ etcd0: "h1", etcd1: "h2", etcd2: "h1" })),
            etcdOnTooFewHosts(`etcd0, etcd2 on ${H1}; etcd1 on ${H2}`, `${H1} holds 2 of the 3, and losing it leaves 1, no majority`, 1, 3, 3));
    });

    it("reports four etcd members two by two: either host holds half, and half is no majority", async () => {
        const resources = patroniPlaced({ etcd0: "h1", etcd1: "h2", etcd2: "h1", etcd3: "h2" });
        await assertHasViolation(policy, stackArgs(resources), etcdOnTooFewHosts(
            `etcd0, etcd2 on ${H1}; etcd1, etcd3 on ${H2}`,
            `${H1} holds 2 of the 4, and losing it leaves 2, no majority; ${H2} holds 2 of the 4, and losing it leaves 2, no majority`,
            1, 4, 4));
    });

    it("passes five etcd members on three hosts, two at most on each", async () => {
        await assertNoViolations(policy, stackArgs(patroniPlaced({ etcd0: "h1", etcd1: "h2", etcd2: "h3", etcd3: "h1", etcd4: "h2" })));
    });

    it("reports both the nodes and the etcd members of a Patroni stack on one host", async () => {
        await assertHasViolations(policy, stackArgs(patroniClusterResources(3, "production")), [
            oneHost("pg0, pg1, pg2, pg3 on the default Docker host"),
            etcdOnTooFewHosts("etcd0, etcd1, etcd2 on the default Docker host",
                "the default Docker host holds 3 of the 3, and losing it leaves 0, no majority", 1, 3, 3),
        ]);
    });

    it("leaves fewer than 3 etcd members to patroni-dcs-members", async () => {
        await assertNoViolations(policy, stackArgs(patroniPlaced({ etcd0: "h1", etcd1: "h1" })));
    });

    it("does not apply to staging or development", async () => {
        await assertNotApplicable(policy, stackArgs(clusterResources(2, "staging")));
        await assertNotApplicable(policy, stackArgs(patroniClusterResources(2, "development")));
    });

    describe("during preview", () => {
        const unknownHost = (resources: TestResource[], provider: string) =>
            resources.map((r) => (r.name === provider ? { ...r, props: { ...r.props, host: UNKNOWN_STRING } } : r));

        it("passes the preview of a spread stack: the providers' inputs are constants", async () => {
            await assertNoViolations(policy, stackArgs(previewOf(spreadOverHosts(patroniClusterResources(3, "production"), "production"))));
        });

        it("reports the preview of a stack on one host", async () => {
            await assertHasViolation(policy, stackArgs(previewOf(clusterResources(3, "production"))),
                oneHost("pg0, pg1, pg2, pg3 on the default Docker host"));
        });

        it("does not guess a node's host while its provider's host is unknown", async () => {
            const resources = placedOnHosts(clusterResources(1, "production"), { pg1: "h2" }, "production");
            await assertNoViolations(policy, stackArgs(unknownHost(resources, "pg-cluster-prod-docker-h2")));
        });

        it("does not report the nodes while a container may still be a node on another host", async () => {
            const resources = clusterResources(1, "production");
            resources.push({ type: CONTAINER, name: "pgx", props: { name: "pg-cluster-prod-pgx", labels: UNKNOWN_STRING, command: UNKNOWN_STRING } });
            await assertNoViolations(policy, stackArgs(resources));
        });

        it("still reports a host that holds half of the etcd members when another member's host is unknown", async () => {
            const resources = unknownHost(patroniPlaced({ etcd0: "h1", etcd1: "h1", etcd2: "h3" }), "pg-cluster-prod-docker-h3");
            await assertHasViolation(policy, stackArgs(resources), etcdOnTooFewHosts(
                `etcd0, etcd1 on ${H1}; etcd2 on a host not known yet`, `${H1} holds 2 of the 3, and losing it leaves 1, no majority`, 1, 3, 3));
        });

        it("does not report the etcd members while a container may still be one", async () => {
            // Known: etcd0 and etcd1 on h1, etcd2 on h2 (2 of 3 on h1); etcd3 on h3 may be a fourth.
            const resources = patroniPlaced({ etcd0: "h1", etcd1: "h1", etcd2: "h2", etcd3: "h3" })
                .map((r) => (r.name === "etcd3" ? { ...r, props: { ...r.props, entrypoints: UNKNOWN_STRING } } : r));
            await assertNoViolations(policy, stackArgs(resources));
        });
    });
});
