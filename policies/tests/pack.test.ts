import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { policies } from "../rules";

type Policy = (typeof policies)[number];
import { PACK_ROOT } from "./declared";

describe("the policy pack", () => {
    it("serves every rule file exactly once", () => {
        const ruleFiles = fs.readdirSync(path.join(PACK_ROOT, "rules"))
            .filter((f) => f.endsWith(".ts") && f !== "index.ts")
            .map((f) => f.replace(/\.ts$/, ""));
        const isPolicy = (v: unknown): v is Policy =>
            typeof v === "object" && v !== null && ("validateResource" in v || "validateStack" in v);
        const exported = ruleFiles.flatMap((f) => {
            const found = Object.values(require(path.join(__dirname, "..", "rules", f))).filter(isPolicy);
            assert.equal(found.length, 1, `rules/${f}.ts exports exactly one policy`);
            return found;
        });
        for (const policy of exported) {
            assert.ok(policies.includes(policy), `${policy.name} is not in rules/index.ts`);
        }
        assert.equal(policies.length, ruleFiles.length);
    });

    it("has unique names, descriptions and enforcement levels", () => {
        const names = policies.map((p) => p.name);
        assert.deepEqual([...new Set(names)], names);
        for (const p of policies) {
            assert.match(p.name, /^[a-z0-9-]+$/);
            assert.notEqual(p.name, "all");
            assert.ok(p.description.length > 0, `${p.name} has a description`);
            assert.ok(p.enforcementLevel === "mandatory" || p.enforcementLevel === "advisory", `${p.name} has a level`);
            assert.ok(!p.configSchema?.properties.enforcementLevel, `${p.name} does not redeclare enforcementLevel`);
        }
    });

    it("is documented in the README, rule by rule", () => {
        const readme = fs.readFileSync(path.join(PACK_ROOT, "README.md"), "utf8");
        for (const p of policies) {
            assert.ok(readme.includes(`\`${p.name}\``), `README.md mentions ${p.name}`);
            assert.ok(readme.includes(`| \`${p.name}\` | ${p.enforcementLevel} |`), `README.md gives ${p.name}'s level (${p.enforcementLevel})`);
        }
    });
});
