// The program-test harness against checked-in declarations: copies of
// target/declared/{dev,prod,prod-none,bad}.json as the program wrote them, so the harness is
// known to work whether or not target/declared exists.

import * as path from "node:path";
import { describe, it } from "node:test";
import {
    assertBadStackFailsAsExpected, assertProductionOnHaNoneFailsOnlyForFailover, assertShippedStackIsClean, loadDeclaredStack,
    PACK_ROOT, previewOfDeclared,
} from "./declared";

const FIXTURES = path.join(PACK_ROOT, "tests", "fixtures");
const load = (stack: string) => loadDeclaredStack(path.join(FIXTURES, `${stack}.json`), "the fixture is checked in");

/** As in program.test.ts: dev (ha: none) and prod (ha: patroni) pass every rule. */
const SHIPPED = ["dev", "prod"];

describe("the harness on checked-in declarations", () => {
    for (const stack of SHIPPED) {
        it(`fixture ${stack} has no violations`, async () => {
            await assertShippedStackIsClean(load(stack), stack);
        });

        it(`fixture ${stack} has no violations during preview, with computed inputs unknown`, async () => {
            await assertShippedStackIsClean(previewOfDeclared(load(stack)), stack);
        });
    }

    it("fixture prod-none fails production-automatic-failover and nothing else", async () => {
        await assertProductionOnHaNoneFailsOnlyForFailover(load("prod-none"), "prod-none");
    });

    it("fixture prod-none fails production-automatic-failover and nothing else during preview", async () => {
        await assertProductionOnHaNoneFailsOnlyForFailover(previewOfDeclared(load("prod-none")), "prod-none");
    });

    it("fixture bad has exactly the expected violations", async () => {
        await assertBadStackFailsAsExpected(load("bad"));
    });
});
