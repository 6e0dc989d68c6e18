// The pack against the real program: the Java unit tests declare each stack under mocks and write
// what the policy engine would see to target/declared/<stack>.json (the shipped stacks, the
// production stack with ha: patroni, and a deliberately bad one).

import * as path from "node:path";
import { describe, it } from "node:test";
import {
    assertBadStackFailsAsExpected, assertShippedStackIsClean, DeclaredStack, Finding, haNoneAdvisory, loadDeclaredStack, PACK_ROOT,
    previewOfDeclared,
} from "./declared";

const DECLARED = path.resolve(PACK_ROOT, "..", "target", "declared");
const HOW = "run `mvn test` in the repository root first; the Java unit tests write target/declared/<stack>.json";
const load = (stack: string) => loadDeclaredStack(path.join(DECLARED, `${stack}.json`), HOW);

/**
 * The advisories each stack draws, and nothing else: the shipped production stack still runs
 * ha: none, which production-automatic-failover (advisory this release) advises against.
 * prod-patroni is the production stack with ha: patroni, which must pass the whole pack.
 */
const STACKS: ReadonlyArray<[string, string, (stack: DeclaredStack) => Finding[]]> = [
    ["dev", "no violations", () => []],
    ["staging", "no violations", () => []],
    ["prod", "no violations but the advisory against ha: none", (stack) => [haNoneAdvisory(stack)]],
    ["prod-patroni", "no violations", () => []],
];

describe("the program's declared stacks", () => {
    for (const [stack, outcome, advisories] of STACKS) {
        it(`shipped stack ${stack} has ${outcome}`, async () => {
            const declared = load(stack);
            await assertShippedStackIsClean(declared, stack, advisories(declared));
        });

        it(`shipped stack ${stack} has ${outcome} during preview, with the program's computed inputs unknown`, async () => {
            const declared = load(stack);
            await assertShippedStackIsClean(previewOfDeclared(declared), stack, advisories(declared));
        });
    }

    it("the bad stack has exactly the public-port, unpinned-image, unbounded-slot-WAL and TLS-off violations", async () => {
        await assertBadStackFailsAsExpected(load("bad"));
    });
});
