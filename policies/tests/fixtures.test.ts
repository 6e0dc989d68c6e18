// The program-test harness against checked-in declarations: copies of
// target/declared/{dev,prod,prod-patroni,bad}.json as the program wrote them, so the harness is
// known to work whether or not target/declared exists.

import * as path from "node:path";
import { describe, it } from "node:test";
import {
    assertBadStackFailsAsExpected, assertShippedStackIsClean, DeclaredStack, Finding, haNoneAdvisory, loadDeclaredStack, PACK_ROOT,
    previewOfDeclared,
} from "./declared";

const FIXTURES = path.join(PACK_ROOT, "tests", "fixtures");
const load = (stack: string) => loadDeclaredStack(path.join(FIXTURES, `${stack}.json`), "the fixture is checked in");

/** As in program.test.ts: the production stack with ha: none draws the one advisory against it. */
const DECLARATIONS: ReadonlyArray<[string, string, (stack: DeclaredStack) => Finding[]]> = [
    ["dev", "no violations", () => []],
    ["prod", "no violations but the advisory against ha: none", (stack) => [haNoneAdvisory(stack)]],
    ["prod-patroni", "no violations", () => []],
];

describe("the harness on checked-in declarations", () => {
    for (const [stack, outcome, advisories] of DECLARATIONS) {
        it(`fixture ${stack} has ${outcome}`, async () => {
            const declared = load(stack);
            await assertShippedStackIsClean(declared, stack, advisories(declared));
        });

        it(`fixture ${stack} has ${outcome} during preview, with computed inputs unknown`, async () => {
            const declared = load(stack);
            await assertShippedStackIsClean(previewOfDeclared(declared), stack, advisories(declared));
        });
    }

    it("fixture bad has exactly the expected violations", async () => {
        await assertBadStackFailsAsExpected(load("bad"));
    });
});
