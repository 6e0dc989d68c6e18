// The program-test harness against checked-in declarations: copies of target/declared/{dev,prod,bad}.json
// as the program wrote them, so the harness is known to work whether or not target/declared exists.

import * as path from "node:path";
import { describe, it } from "node:test";
import { assertBadStackFailsAsExpected, assertShippedStackIsClean, loadDeclaredStack, PACK_ROOT, previewOfDeclared } from "./declared";

const FIXTURES = path.join(PACK_ROOT, "tests", "fixtures");
const load = (stack: string) => loadDeclaredStack(path.join(FIXTURES, `${stack}.json`), "the fixture is checked in");

describe("the harness on checked-in declarations", () => {
    for (const stack of ["dev", "prod"]) {
        it(`fixture ${stack} has no violations`, async () => {
            await assertShippedStackIsClean(load(stack), stack);
        });

        it(`fixture ${stack} has no violations during preview, with computed inputs unknown`, async () => {
            await assertShippedStackIsClean(previewOfDeclared(load(stack)), stack);
        });
    }

    it("fixture bad has exactly the expected violations", async () => {
        await assertBadStackFailsAsExpected(load("bad"));
    });
});
