// The pack against the real program: the Java unit tests declare each stack under mocks and write
// what the policy engine would see to target/declared/<stack>.json (the shipped stacks, the
// production stack on ha: none, and a deliberately bad one).

import * as path from "node:path";
import { describe, it } from "node:test";
import {
    assertBadStackFailsAsExpected, assertProductionOnHaNoneFailsOnlyForFailover, assertShippedStackIsClean, loadDeclaredStack,
    PACK_ROOT, previewOfDeclared,
} from "./declared";

const DECLARED = path.resolve(PACK_ROOT, "..", "target", "declared");
const HOW = "run `mvn test` in the repository root first; the Java unit tests write target/declared/<stack>.json";
const load = (stack: string) => loadDeclaredStack(path.join(DECLARED, `${stack}.json`), HOW);

/**
 * dev runs ha: none; staging and prod run ha: patroni. Each passes every rule, but for prod
 * production-spread-over-hosts, which its one Docker host fails and its policy config lowers to advisory.
 */
const SHIPPED = ["dev", "staging", "prod"];

describe("the program's declared stacks", () => {
    for (const stack of SHIPPED) {
        it(`shipped stack ${stack} passes every rule (production on one Docker host: but production-spread-over-hosts, lowered to advisory)`, async () => {
            await assertShippedStackIsClean(load(stack), stack);
        });

        it(`shipped stack ${stack} passes every rule during preview (the same), with the program's computed inputs unknown`, async () => {
            await assertShippedStackIsClean(previewOfDeclared(load(stack)), stack);
        });
    }

    it("the production stack on ha: none fails production-automatic-failover and nothing else mandatory", async () => {
        await assertProductionOnHaNoneFailsOnlyForFailover(load("prod-none"), "prod-none");
    });

    it("the production stack on ha: none fails production-automatic-failover and nothing else mandatory during preview", async () => {
        await assertProductionOnHaNoneFailsOnlyForFailover(previewOfDeclared(load("prod-none")), "prod-none");
    });

    it("the bad stack has exactly the public-port, unpinned-image, unbounded-slot-WAL and TLS-off violations", async () => {
        await assertBadStackFailsAsExpected(load("bad"));
    });
});
