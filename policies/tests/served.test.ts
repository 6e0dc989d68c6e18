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
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { policies } from "../rules";
import { containerProps, CONTAINER, DOCKER_HOSTS, DOCKER_PROVIDER, patroniClusterResources, spreadOverHosts } from "./builders";
import { PACK_ROOT } from "./declared";
import { TestResource, UNKNOWN_STRING, urnOf } from "./util";

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

    /** Sets the pack's policy config as the CLI does: rule → level and settings (replacing any config before). */
    async function configure(config: Record<string, { level: analyzer.EnforcementLevel; settings?: Record<string, unknown> }>): Promise<void> {
        const request = new analyzer.ConfigureAnalyzerRequest();
        for (const [rule, { level, settings }] of Object.entries(config)) {
            const entry = new analyzer.PolicyConfig();
            entry.setEnforcementlevel(level);
            entry.setProperties(Struct.fromJavaScript((settings ?? {}) as Record<string, any>));
            request.getPolicyconfigMap().set(rule, entry);
        }
        await call<analyzer.ConfigureAnalyzerRequest, Empty>(client.configure, request);
    }

    const diagnosticsOf = (response: analyzer.AnalyzeResponse) =>
        response.getDiagnosticsList().map((d) => [d.getPolicyname(), d.getEnforcementlevel()]);

    it("hands rules a secret input without its marker: docker-endpoint-tls answers alike for a secret keyMaterial and a plain one", async () => {
        await configure({});
        const key = "-----BEGIN PRIVATE KEY-----\nclient key\n-----END PRIVATE KEY-----\n";
        const provider = (keyMaterial: unknown) => {
            const request = new analyzer.AnalyzeRequest();
            request.setType(DOCKER_PROVIDER);
            request.setName("pg-cluster-prod-docker-h1");
            request.setUrn(urnOf(DOCKER_PROVIDER, "pg-cluster-prod-docker-h1", "prod"));
            request.setProperties(Struct.fromJavaScript({
                host: DOCKER_HOSTS.h1, caMaterial: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
                certMaterial: "-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n", keyMaterial,
            } as Record<string, any>));
            request.setOptions(new analyzer.AnalyzerResourceOptions());
            return request;
        };
        // As the engine sends a secret (MarshalProperties with KeepSecrets).
        const secret = { [specialSigKey]: specialSecretSig, value: key };
        const messages: string[][] = [];
        for (const keyMaterial of [secret, key]) {
            const response = await call<analyzer.AnalyzeRequest, analyzer.AnalyzeResponse>(client.analyze, provider(keyMaterial));
            assert.deepEqual(diagnosticsOf(response), [["docker-endpoint-tls", MANDATORY]]);
            messages.push(response.getDiagnosticsList().map((d) => d.getMessage()));
        }
        // The same message, the one for all three materials inline: the rule read the secret's value as a plain string.
        assert.deepEqual(messages[0], messages[1]);
        assert.match(messages[0][0], /with its TLS material inline \(caMaterial, certMaterial, keyMaterial\)/);
        await configure({ "docker-endpoint-tls": { level: MANDATORY, settings: { allowInlineKeyMaterial: true } } });
        for (const keyMaterial of [secret, key]) {
            const response = await call<analyzer.AnalyzeRequest, analyzer.AnalyzeResponse>(client.analyze, provider(keyMaterial));
            assert.deepEqual(diagnosticsOf(response), []);
        }
    });

    /** The stack as the engine sends it to the stack rules: each resource with its dependencies, parent and provider. */
    function stackRequest(resources: readonly TestResource[]): analyzer.AnalyzeStackRequest {
        const urn = (name: string) => {
            const r = resources.find((x) => x.name === name)!;
            return urnOf(r.type, r.name, "prod");
        };
        const request = new analyzer.AnalyzeStackRequest();
        for (const r of resources) {
            const resource = new analyzer.AnalyzerResource();
            resource.setType(r.type);
            resource.setName(r.name);
            resource.setUrn(urn(r.name));
            resource.setProperties(Struct.fromJavaScript(r.props));
            resource.setOptions(new analyzer.AnalyzerResourceOptions());
            resource.setDependenciesList((r.dependsOn ?? []).map(urn));
            if (r.provider !== undefined) {
                const p = resources.find((x) => x.name === r.provider)!;
                const provider = new analyzer.AnalyzerProviderResource();
                provider.setType(p.type);
                provider.setName(p.name);
                provider.setUrn(urn(p.name));
                provider.setProperties(Struct.fromJavaScript(p.props));
                resource.setProvider(provider);
            }
            request.addResources(resource);
        }
        return request;
    }

    it("passes each resource's provider to the stack rules, and lowers production-spread-over-hosts from the policy config", async () => {
        await configure({});
        const onOneHost = patroniClusterResources(3, "production");
        const spread = spreadOverHosts(onOneHost, "production");
        assert.ok(spread.some((r) => r.provider !== undefined));
        const analyzeStack = (resources: TestResource[]) =>
            call<analyzer.AnalyzeStackRequest, analyzer.AnalyzeResponse>(client.analyzeStack, stackRequest(resources));

        assert.deepEqual(diagnosticsOf(await analyzeStack(spread)), []);
        // The nodes, and the etcd members, each on one host.
        const oneHost = [["production-spread-over-hosts", MANDATORY], ["production-spread-over-hosts", MANDATORY]];
        assert.deepEqual(diagnosticsOf(await analyzeStack(onOneHost)), oneHost);

        await configure({ "production-spread-over-hosts": { level: ADVISORY } });
        assert.deepEqual(diagnosticsOf(await analyzeStack(onOneHost)), oneHost.map(([rule]) => [rule, ADVISORY]));
    });
});
