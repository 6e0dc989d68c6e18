// The exporters and Prometheus next to the nodes: rules about PostgreSQL nodes leave them alone
// (they are no nodes: no pg-cluster.node label, a command that does not start postgres), and the
// program's monitoring containers pass the rules about every container (pinned image, published
// ports, passwords; their violations are in those rules' own tests).

import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { ResourceValidationPolicy, unknownCheckingProxy } from "@pulumi/policy";
import { isDatabaseContainer } from "../lib/container";
import { policies } from "../rules";
import { boundedSlotWal } from "../rules/boundedSlotWal";
import { dataInNamedVolume } from "../rules/dataInNamedVolume";
import { healthcheckAndRestart } from "../rules/healthcheckAndRestart";
import { hotStandbyOn } from "../rules/hotStandbyOn";
import { productionMemoryLimit } from "../rules/productionMemoryLimit";
import { scramPasswordEncryption } from "../rules/scramPasswordEncryption";
import { shmSize } from "../rules/shmSize";
import { sslOnEveryNode } from "../rules/sslOnEveryNode";
import { CONTAINER, exporterProps, prometheusProps } from "./builders";
import { assertNoViolations, assertNotApplicable, resourceArgs, UNKNOWN_STRING } from "./util";

const exporter = () => exporterProps("pg1", { environment: "production" });
const prometheus = () => prometheusProps({ environment: "production" });
const container = (props: Record<string, any>) => resourceArgs(CONTAINER, props);

const resourcePolicies = policies.filter((p): p is ResourceValidationPolicy => "validateResource" in p);

/** Rules about PostgreSQL nodes: a monitoring container is not one. */
const NODE_RULES = [
    healthcheckAndRestart, shmSize, productionMemoryLimit, dataInNamedVolume, sslOnEveryNode, scramPasswordEncryption,
    boundedSlotWal, hotStandbyOn,
];

describe("monitoring containers", () => {
    it("are known not to be nodes by their label, also while their command is unknown during preview", () => {
        for (const props of [exporter(), prometheus()]) {
            assert.equal(isDatabaseContainer(CONTAINER, unknownCheckingProxy({ ...props, command: UNKNOWN_STRING })), false);
        }
    });

    for (const [kind, props] of [["exporter", exporter], ["Prometheus", prometheus]] as const) {
        it(`the program's ${kind} passes every resource rule`, async () => {
            for (const policy of resourcePolicies) {
                await assertNoViolations(policy, container(props()));
            }
        });

        for (const policy of NODE_RULES) {
            it(`${policy.name} does not apply to the ${kind}, not even with its command unknown during preview`, async () => {
                await assertNotApplicable(policy, container(props()));
                await assertNotApplicable(policy, container({ ...props(), command: UNKNOWN_STRING }));
            });
        }
    }
});
