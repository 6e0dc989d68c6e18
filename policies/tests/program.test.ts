// The pack against the real program: the Java unit tests declare each stack under mocks and write
// what the policy engine would see to target/declared/<stack>.json.

import * as path from "node:path";
import { describe, it } from "node:test";
import { assertBadStackFailsAsExpected, assertShippedStackIsClean, loadDeclaredStack, PACK_ROOT, previewOfDeclared } from "./declared";

const DECLARED = path.resolve(PACK_ROOT, "..", "target", "declared");
const HOW = "run `mvn test` in the repository root first; the Java unit tests write target/declared/<stack>.json";
const load = (stack: string) => loadDeclaredStack(path.join(DECLARED, `${stack}.json`), HOW);

describe("the program's declared stacks", () => {
    for (const stack of ["dev", "staging", "prod"]) {
        it(`shipped stack ${stack} has no violations`, async () => {
            await assertShippedStackIsClean(load(stack), stack);
        });

        it(`shipped stack ${stack} has no violations during preview, with the program's computed inputs unknown`, async () => {
            await assertShippedStackIsClean(previewOfDeclared(load(stack)), stack);
        });
    }

    it("the bad stack has exactly the public-port, unpinned-image, unbounded-slot-WAL and TLS-off violations", async () => {
        await assertBadStackFailsAsExpected(load("bad"));
    });
});
