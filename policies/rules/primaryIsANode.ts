import { StackValidationPolicy } from "@pulumi/policy";
import { commandStepsOf, listNodes, nodesOf, primaryStepsOf, stepKind, stepValue, undecidedContainersOf } from "../lib/cluster";
import { isKnown, quote } from "../lib/values";

// Nodes carry no role: the cluster's primary step (PGC_STEP=primary) makes the node it names in
// PGC_PRIMARY the primary, and every other node follows it. A name that is no node of the stack (a typo in pg-cluster:primary, a removed node) leaves
// the cluster without a primary to converge on, and a stack without exactly one such step leaves
// which node is the primary undefined. Under `ha: patroni` Patroni elects the leader among its
// members and fails over by itself: no primary step may name one, or pg-cluster's promotions and
// Patroni's would fight over the nodes.
export const primaryIsANode: StackValidationPolicy = {
    name: "primary-is-a-node",
    description:
        "Exactly one primary step names the primary (PGC_PRIMARY), and it is a node container of the stack; none when " +
        "Patroni runs every node.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const nodes = nodesOf(args.resources);
        if (nodes.length === 0) {
            return args.notApplicable("the stack declares no PostgreSQL node");
        }
        const primarySteps = primaryStepsOf(args.resources);
        if (nodes.every((n) => n.patroni)) {
            for (const step of primarySteps) {
                reportViolation(
                    `The primary step ${step.resource.name} would make pg-cluster promote and demote nodes, but Patroni runs ` +
                    `every node (${listNodes(nodes.map((n) => n.node))}) and elects the leader itself; the two would fight ` +
                    "over which node leads. Remove the step (ha: patroni declares none).",
                    step.resource.urn);
            }
            return;
        }
        if (primarySteps.length === 0) {
            // During preview a command whose environment is unknown may be the primary step.
            if (!commandStepsOf(args.resources).some((s) => !isKnown(stepKind(s)))) {
                reportViolation(
                    `No primary step (a command:local:Command with PGC_STEP=primary) names the primary of the nodes ` +
                    `${listNodes(nodes.map((n) => n.node))}; which node is the primary would be undefined.`);
            }
            return;
        }
        if (primarySteps.length > 1) {
            reportViolation(
                `${primarySteps.length} primary steps (${listNodes(primarySteps.map((s) => s.resource.name))}) ` +
                "each name a primary; exactly one may.");
        }
        const known = nodes.map((n) => n.name).filter(isKnown);
        // A container not known yet to be a node, or a node whose name is not known yet, may be the named one.
        const undecided = undecidedContainersOf(args.resources).length > 0 || known.length < nodes.length;
        for (const step of primarySteps) {
            const primary = stepValue(step, "PGC_PRIMARY");
            if (!isKnown(primary)) {
                continue;
            }
            if (primary === undefined) {
                reportViolation(`The primary step ${step.resource.name} sets no PGC_PRIMARY; it names no node to be the primary.`,
                    step.resource.urn);
                continue;
            }
            if (!known.includes(primary) && !undecided) {
                reportViolation(
                    `The primary step names ${quote(primary)} as the primary but no node container of this stack is ` +
                    `named so (nodes: ${listNodes(known)}); set pg-cluster:primary to one of them.`,
                    step.resource.urn);
            }
        }
    },
};
