// The pack as the Pulumi CLI runs it: `pulumi preview --policy-pack policies` starts
// @pulumi/pulumi's run-policy-pack on this directory (index.ts through ts-node, type-checked),
// reads the port it prints and talks to it over the analyzer gRPC protocol. No CLI is available
// here, so this test plays the CLI's part.

import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { policies } from "../rules";
import { containerProps, CONTAINER } from "./builders";
import { PACK_ROOT } from "./declared";
import { UNKNOWN_STRING } from "./util";

const MANDATORY = analyzer.EnforcementLevel.MANDATORY;
const ADVISORY = analyzer.EnforcementLevel.ADVISORY;

describe("the pack as the Pulumi CLI runs it", () => {
    let pack: ChildProcess;
    let client: analyzerRpc.AnalyzerClient;

    const call = <Req, Res>(method: (req: Req, cb: (e: grpc.ServiceError | null, res: Res) => void) => unknown, req: Req) =>
        new Promise<Res>((resolve, reject) => method.call(client, req, (e, res) => (e ? reject(e) : resolve(res))));

    before(async () => {
        const runner = path.join(PACK_ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
        // The first argument is the engine's address, which the pack does not dial for analysis.
        pack = spawn(process.execPath, [runner, "127.0.0.1:1", "."], { cwd: PACK_ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        pack.stderr!.on("data", (d) => (stderr += d));
        const port = await new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`the pack printed no port within 60 s:\n${stderr}`)), 60_000);
            pack.stdout!.once("data", (d) => {
                clearTimeout(timer);
                resolve(String(d).trim());
            });
            pack.once("exit", (code) => reject(new Error(`the pack exited with ${code}:\n${stderr}`)));
        });
        assert.match(port, /^\d+$/, `the pack printed its port, got ${port}`);
        client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        pack?.kill();
    });

    function analyzeRequest(props: Record<string, unknown>): analyzer.AnalyzeRequest {
        const request = new analyzer.AnalyzeRequest();
        request.setType(CONTAINER);
        request.setName("pg0");
        request.setUrn("urn:pulumi:dev::pg-cluster::docker:index/container:Container::pg0");
        request.setProperties(Struct.fromJavaScript(props as Record<string, any>));
        request.setOptions(new analyzer.AnalyzerResourceOptions());
        return request;
    }

    function badPrimary(): Record<string, any> {
        const props = containerProps("pg0");
        props.ports[0].ip = "0.0.0.0";
        // A container fed by a RemoteImage: its image is unknown during preview.
        props.image = UNKNOWN_STRING;
        return props;
    }

    it("announces every rule with its enforcement level and config schema", async () => {
        const info = await call<Empty, analyzer.AnalyzerInfo>(client.getAnalyzerInfo, new Empty());
        assert.equal(info.getName(), "pg-cluster");
        const served = info.getPoliciesList();
        assert.deepEqual(served.map((p) => p.getName()), policies.map((p) => p.name));
        for (const p of served) {
            const level = policies.find((q) => q.name === p.getName())!.enforcementLevel;
            assert.equal(p.getEnforcementlevel(), level === "mandatory" ? MANDATORY : ADVISORY, p.getName());
        }
        const portPolicy = served.find((p) => p.getName() === "no-public-postgres-port")!;
        assert.deepEqual(Object.keys(portPolicy.getConfigschema()!.getProperties()!.toJavaScript()), ["allowPublicPorts"]);
    });

    it("reports a public port and skips the image that is unknown during preview", async () => {
        const response = await call<analyzer.AnalyzeRequest, analyzer.AnalyzeResponse>(client.analyze, analyzeRequest(badPrimary()));
        const diagnostics = response.getDiagnosticsList().map((d) => [d.getPolicyname(), d.getEnforcementlevel()]);
        assert.deepEqual(diagnostics, [["no-public-postgres-port", MANDATORY]]);
    });

    it("honours allowPublicPorts and a lowered level from the policy config", async () => {
        const config = new analyzer.PolicyConfig();
        config.setEnforcementlevel(ADVISORY);
        config.setProperties(Struct.fromJavaScript({ allowPublicPorts: true }));
        const shm = new analyzer.PolicyConfig();
        shm.setEnforcementlevel(MANDATORY);
        shm.setProperties(Struct.fromJavaScript({ minShmSizeMb: 512 }));
        const request = new analyzer.ConfigureAnalyzerRequest();
        request.getPolicyconfigMap().set("no-public-postgres-port", config).set("shm-size", shm);
        await call<analyzer.ConfigureAnalyzerRequest, Empty>(client.configure, request);

        const response = await call<analyzer.AnalyzeRequest, analyzer.AnalyzeResponse>(client.analyze, analyzeRequest(badPrimary()));
        const diagnostics = response.getDiagnosticsList().map((d) => [d.getPolicyname(), d.getEnforcementlevel()]);
        assert.deepEqual(diagnostics, [["shm-size", MANDATORY]]);
    });
});
