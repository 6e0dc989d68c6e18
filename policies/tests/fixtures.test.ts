// The program-test harness against checked-in declarations: copies of
// target/declared/{dev,prod,prod-none,bad}.json as the program wrote them, so the harness is
// known to work whether or not target/declared exists.

import * as assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
    assertBadStackFailsAsExpected, assertProductionOnHaNoneFailsOnlyForFailover, assertShippedStackIsClean, formatFinding,
    haNoneInProduction, loadDeclaredStack, PACK_ROOT, placedOnHosts, previewOfDeclared, runPack,
} from "./declared";

const FIXTURES = path.join(PACK_ROOT, "tests", "fixtures");
const load = (stack: string) => loadDeclaredStack(path.join(FIXTURES, `${stack}.json`), "the fixture is checked in");

/**
 * As in program.test.ts: dev (ha: none) and prod (ha: patroni) pass every rule, but for prod
 * production-spread-over-hosts, which its one Docker host fails and its policy config lowers to advisory.
 */
const SHIPPED = ["dev", "prod"];

describe("the harness on checked-in declarations", () => {
    for (const stack of SHIPPED) {
        it(`fixture ${stack} passes every rule (production on one Docker host: but production-spread-over-hosts, lowered to advisory)`, async () => {
            await assertShippedStackIsClean(load(stack), stack);
        });

        it(`fixture ${stack} passes every rule during preview (the same), with computed inputs unknown`, async () => {
            await assertShippedStackIsClean(previewOfDeclared(load(stack)), stack);
        });
    }

    it("fixture prod-none fails production-automatic-failover and nothing else mandatory", async () => {
        await assertProductionOnHaNoneFailsOnlyForFailover(load("prod-none"), "prod-none");
    });

    it("fixture prod-none fails production-automatic-failover and nothing else mandatory during preview", async () => {
        await assertProductionOnHaNoneFailsOnlyForFailover(previewOfDeclared(load("prod-none")), "prod-none");
    });

    it("fixture bad has exactly the expected violations", async () => {
        await assertBadStackFailsAsExpected(load("bad"));
    });
});

describe("the harness with the nodes on several Docker hosts (providers added to the checked-in declaration)", () => {
    const HOSTS = { h1: "tcp://10.0.0.11:2376", h2: "tcp://10.0.0.12:2376", h3: "ssh://deploy@10.0.0.13" };
    const CERT_PATH = "/etc/pg-cluster/docker-tls";
    const prodNone = () => load("prod-none");

    it("prod-none spread over three hosts fails production-automatic-failover alone: the providers pass docker-endpoint-tls", async () => {
        const stack = placedOnHosts(prodNone(), { pg0: "h1", pg1: "h2", pg2: "h3", pg3: "h1" }, HOSTS, CERT_PATH);
        const findings = await runPack(stack);
        assert.deepEqual(findings.map(formatFinding), [formatFinding(haNoneInProduction(stack))]);
    });

    it("prod-none with every node on one tcp:// host without certPath fails docker-endpoint-tls and production-spread-over-hosts too", async () => {
        const stack = placedOnHosts(prodNone(), { pg0: "h1", pg1: "h1", pg2: "h1", pg3: "h1" }, HOSTS, undefined);
        const provider = "pg-cluster-prod-docker-h1";
        const findings = await runPack(stack);
        assert.deepEqual(findings.map(formatFinding).sort(), [
            formatFinding(haNoneInProduction(stack)),
            formatFinding({
                policy: "docker-endpoint-tls",
                resource: `pulumi:providers:docker::${provider}`,
                message:
                    `Docker provider ${provider} reaches the engine at "tcp://10.0.0.11:2376" without TLS (no certPath, no ` +
                    "caMaterial, certMaterial and keyMaterial): anyone on the network path can pose as the engine, whose API " +
                    "gives root on its host, or read what the program sends it; set certPath to a directory with ca.pem, " +
                    "cert.pem and key.pem (pg-cluster:dockerHosts.<host>.certPath), or reach the engine over ssh://.",
            }),
            formatFinding({
                policy: "production-spread-over-hosts",
                resource: "(stack)",
                message:
                    "Production stack runs all its nodes on one Docker host (pg0, pg1, pg2, pg3 on tcp://10.0.0.11:2376): when " +
                    "that machine or its engine fails, every node fails with it and no replica is left to take over; place " +
                    "the nodes on at least 2 Docker hosts (pg-cluster:dockerHosts and pg-cluster:placement).",
            }),
        ].sort());
    });
});
