import { StackValidationPolicy } from "@pulumi/policy";
import { commandStepsOf, dependsOn, listNodes, nodesOf, stepKind, stepValue } from "../lib/cluster";
import { STEP_CONF } from "../lib/types";
import { isKnown } from "../lib/values";

// Each node reads pg_hba.conf from beside its data (hba_file), where its own conf step writes
// PGC_HBA: a node without one, or one that does not read it, runs on whatever pg_hba.conf initdb
// or a base backup left in its data directory, which no rule of this pack has seen. The rules
// that read pg_hba.conf (secure-pg-hba, pg-hba-tls-only) check every conf step; this one makes
// sure every node has exactly one, starts after it, reads it, and that all nodes get the same
// rules: any node may become the primary, and a failover must not change who may log in. A
// Patroni member is no different: Patroni leaves pg_hba.conf alone when hba_file is among the
// parameters it starts the server with (its DCS configuration).
//
// During preview the conf steps' environments are unknown (they name the volume and the image);
// what depends on them is decided during the update.
export const pgHbaOnEveryNode: StackValidationPolicy = {
    name: "pg-hba-on-every-node",
    description: "Every node has exactly one conf step (PGC_STEP=conf) that its container waits for and whose PGC_HBA it reads (hba_file set); every node gets the same PGC_HBA.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const nodes = nodesOf(args.resources);
        if (nodes.length === 0) {
            return args.notApplicable("the stack declares no PostgreSQL node");
        }
        const steps = commandStepsOf(args.resources);
        const confSteps = steps.filter((s) => stepKind(s) === STEP_CONF);
        // A command that may still turn out to be some node's conf step.
        const undecided = steps.some((s) => !isKnown(stepKind(s))) || confSteps.some((s) => !isKnown(stepValue(s, "PGC_NODE")));

        const hbaOf = new Map<string, string>();
        let hbaUnknown = false;
        for (const node of nodes) {
            for (const { settings, where } of node.views) {
                if ((settings.get("hba_file") ?? "").trim() === "") {
                    reportViolation(
                        `Node ${node.node}${where} does not set hba_file, so it reads the pg_hba.conf in its data directory, ` +
                        "not the one its conf step writes (PGC_HBA); set hba_file to that file.",
                        node.resource.urn);
                }
            }
            if (!isKnown(node.name)) {
                continue;
            }
            const own = confSteps.filter((s) => stepValue(s, "PGC_NODE") === node.name);
            if (own.length === 0) {
                if (!undecided) {
                    reportViolation(
                        `Node ${node.node} has no conf step (a command:local:Command with PGC_STEP=conf and ` +
                        `PGC_NODE=${node.node}); nothing writes the pg_hba.conf (and certificate) it reads.`,
                        node.resource.urn);
                }
                continue;
            }
            if (own.length > 1) {
                reportViolation(
                    `Node ${node.node} has ${own.length} conf steps (${listNodes(own.map((s) => s.resource.name))}); ` +
                    "it needs exactly one.",
                    node.resource.urn);
                continue;
            }
            const step = own[0];
            if (!dependsOn(node.resource, step.resource)) {
                reportViolation(
                    `Node ${node.node} does not depend on its conf step; the server could start before its pg_hba.conf ` +
                    "and certificate are in place.",
                    node.resource.urn);
            }
            const hba = stepValue(step, "PGC_HBA");
            if (!isKnown(hba)) {
                hbaUnknown = true;
            } else if (hba === undefined) {
                reportViolation(`The conf step of node ${node.node} sets no PGC_HBA; the node would have no pg_hba.conf.`,
                    step.resource.urn);
            } else {
                hbaOf.set(node.node, hba);
            }
        }
        const variants = new Map<string, string[]>();
        for (const [node, hba] of hbaOf) {
            variants.set(hba, [...(variants.get(hba) ?? []), node]);
        }
        if (!hbaUnknown && variants.size > 1) {
            const groups = [...variants.values()].map((group) => listNodes(group)).sort();
            reportViolation(
                `The nodes' conf steps do not give them the same pg_hba.conf (PGC_HBA): ${groups.map((g) => `{${g}}`).join(" ")} ` +
                "differ; after a failover the new primary would let in other logins than the old one. Give every node the same rules.");
        }
    },
};
