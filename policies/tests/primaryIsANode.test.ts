import { describe, it } from "node:test";
import { primaryIsANode } from "../rules/primaryIsANode";
import { clusterResources, COMMAND, CONTAINER, patroniClusterResources, primaryStepProps, propsOf } from "./builders";
import { assertHasViolation, assertHasViolations, assertNoViolations, assertNotApplicable, stackArgs, TestResource, UNKNOWN_STRING, urnOf } from "./util";

function without(resources: TestResource[], name: string): TestResource[] {
    return resources
        .filter((r) => r.name !== name)
        .map((r) => ({ ...r, dependsOn: (r.dependsOn ?? []).filter((d) => d !== name) }));
}

describe("primary-is-a-node", () => {
    const policy = primaryIsANode;
    const naming = (primary: string | undefined) => {
        const resources = clusterResources(2);
        const environment = propsOf(resources, "primary").environment;
        if (primary === undefined) {
            delete environment.PGC_PRIMARY;
        } else {
            environment.PGC_PRIMARY = primary;
        }
        return stackArgs(resources);
    };
    const notANode = (primary: string) =>
        `The primary step names "${primary}" as the primary but no node container of this stack is named so ` +
        "(nodes: pg0, pg1, pg2); set pg-cluster:primary to one of them.";

    it("passes the default primary pg0", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(2)));
    });

    it("passes another node as the primary", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(2, "development", "pg2")));
    });

    it("passes a single node that is its own primary", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(0)));
    });

    it("reports a primary that is no node of the stack", async () => {
        await assertHasViolation(policy, naming("pg9"), notANode("pg9"), urnOf(COMMAND, "primary"));
    });

    it("reports a primary one past the last node", async () => {
        await assertHasViolation(policy, naming("pg3"), notANode("pg3"), urnOf(COMMAND, "primary"));
    });

    it("reports a primary step without PGC_PRIMARY", async () => {
        await assertHasViolation(policy, naming(undefined),
            "The primary step primary sets no PGC_PRIMARY; it names no node to be the primary.", urnOf(COMMAND, "primary"));
    });

    it("reports a stack whose nodes no primary step covers", async () => {
        await assertHasViolation(policy, stackArgs(without(clusterResources(2), "primary")),
            "No primary step (a command:local:Command with PGC_STEP=primary) names the primary of the nodes pg0, pg1, pg2; " +
            "which node is the primary would be undefined.");
    });

    it("reports two primary steps", async () => {
        const resources = clusterResources(2);
        resources.push({ type: COMMAND, name: "primary-again", props: primaryStepProps("pg1") });
        await assertHasViolation(policy, stackArgs(resources),
            "2 primary steps (primary, primary-again) each name a primary; exactly one may.");
    });

    it("skips a PGC_PRIMARY that is unknown during preview", async () => {
        await assertNoViolations(policy, naming(UNKNOWN_STRING));
    });

    it("decides nothing while the node containers' names are unknown", async () => {
        const resources = clusterResources(2);
        propsOf(resources, "primary").environment.PGC_PRIMARY = "pg9";
        for (const node of ["pg0", "pg1", "pg2"]) {
            propsOf(resources, node).labels = UNKNOWN_STRING;
        }
        await assertNoViolations(policy, stackArgs(resources));
    });

    it("does not apply to a stack without PostgreSQL nodes", async () => {
        const resources = clusterResources(0).filter((r) => r.type !== CONTAINER)
            .map((r) => ({ ...r, dependsOn: (r.dependsOn ?? []).filter((d) => d !== "pg0") }));
        await assertNotApplicable(policy, stackArgs(resources));
    });
});

describe("primary-is-a-node with ha: patroni", () => {
    const policy = primaryIsANode;

    it("passes a Patroni stack without a primary step: Patroni elects the leader", async () => {
        await assertNoViolations(policy, stackArgs(patroniClusterResources(2)));
    });

    it("reports a primary step in a Patroni stack", async () => {
        const resources = patroniClusterResources(2);
        resources.push({ type: COMMAND, name: "primary", props: primaryStepProps("pg0"), dependsOn: ["pg0-ready"] });
        await assertHasViolation(policy, stackArgs(resources),
            "The primary step primary would make pg-cluster promote and demote nodes, but Patroni runs every node " +
            "(pg0, pg1, pg2) and elects the leader itself; the two would fight over which node leads. Remove the step " +
            "(ha: patroni declares none).",
            urnOf(COMMAND, "primary"));
    });

    it("still asks a primary step of a stack where some node is no Patroni member", async () => {
        const resources = patroniClusterResources(1);
        resources.push({ type: CONTAINER, name: "pg9", props: { ...propsOf(clusterResources(0), "pg0"), name: "pg-cluster-dev-pg9" } });
        (resources[resources.length - 1].props.labels as Array<{ label: string; value: string }>)
            .find((l) => l.label === "pg-cluster.node")!.value = "pg9";
        await assertHasViolation(policy, stackArgs(resources),
            "No primary step (a command:local:Command with PGC_STEP=primary) names the primary of the nodes pg0, pg1, pg9; " +
            "which node is the primary would be undefined.");
    });
});
