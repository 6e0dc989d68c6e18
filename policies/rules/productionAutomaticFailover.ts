import { StackValidationPolicy } from "@pulumi/policy";
import { isProductionStack, listNodes, nodesOf, stepEnvOf, stepKind } from "../lib/cluster";
import { labelsOf } from "../lib/container";
import { COMMAND, ENVIRONMENT_PRODUCTION, LABEL_ENVIRONMENT, NETWORK } from "../lib/types";

// The cluster network carries the environment label too, as plain values: a preview knows it when
// the nodes' labels (one of them a step's ID) are not known yet.
function networkSaysProduction(resources: readonly { type: string; props: Record<string, any> }[]): boolean {
    return resources.some((r) => r.type === NETWORK && labelsOf(r.props).get(LABEL_ENVIRONMENT) === ENVIRONMENT_PRODUCTION);
}

// ha: patroni always declares its dcs-config step, whose environment is plain values: known in a
// preview too, when the containers' inputs (image IDs, labels from step IDs) are not yet.
const STEP_DCS_CONFIG = "dcs-config";

// With `ha: none` a failed primary stays failed until someone notices and runs `pulumi up` with
// another pg-cluster:primary: writes stop for as long as that takes, nights and weekends included.
// With `ha: patroni` a replica within maximum_lag_on_failover (or a synchronous one) takes over
// within the leader key's TTL. Mandatory: the shipped production stack (Pulumi.prod.yaml) runs
// patroni. A production stack kept on ha: none (one made before, which cannot switch modes yet)
// lowers this rule to advisory in its policy config.
export const productionAutomaticFailover: StackValidationPolicy = {
    name: "production-automatic-failover",
    description:
        "A production stack runs ha: patroni (its nodes are Patroni members), so a failed primary is replaced without " +
        "anyone running pulumi up, as the shipped production stack (Pulumi.prod.yaml) does.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        if (!isProductionStack(args.resources) && !networkSaysProduction(args.resources)) {
            return args.notApplicable(`not a production stack (no node labelled ${LABEL_ENVIRONMENT}=${ENVIRONMENT_PRODUCTION})`);
        }
        const nodes = nodesOf(args.resources);
        const dcsConfig = args.resources.some((r) => r.type === COMMAND && stepKind(stepEnvOf(r.props)) === STEP_DCS_CONFIG);
        if (dcsConfig || nodes.some((n) => n.patroni)) {
            return;
        }
        reportViolation(
            `Production stack runs its nodes (${nodes.length > 0 ? listNodes(nodes.map((n) => n.node)) : "not named yet"}) ` +
            "without automatic failover (ha: none): " +
            "when the primary fails, writes stop until someone runs pulumi up with another pg-cluster:primary; set " +
            "pg-cluster:ha to patroni (with its etcd members) so a replica takes over by itself.");
    },
};
