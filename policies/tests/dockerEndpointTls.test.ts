import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dockerEndpointTls } from "../rules/dockerEndpointTls";
import {
    clusterResources, containerProps, CONTAINER, DOCKER_CERT_PATH, DOCKER_HOSTS, DOCKER_PROVIDER, dockerProviderProps, spreadOverHosts,
} from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, resourceArgs, UNKNOWN_STRING } from "./util";

const NAME = "pg-cluster-prod-docker-h1";
const provider = (props: Record<string, any>, config: object = {}) => resourceArgs(DOCKER_PROVIDER, props, { name: NAME, config });

const FIX = "set certPath to a directory with ca.pem, cert.pem and key.pem (pg-cluster:dockerHosts.<host>.certPath), " +
    "or reach the engine over ssh://";
const withoutTls = (host: string) =>
    `Docker provider ${NAME} reaches the engine at ${JSON.stringify(host)} without TLS (no certPath, no caMaterial, ` +
    "certMaterial and keyMaterial): anyone on the network path can pose as the engine, whose API gives root on its host, " +
    `or read what the program sends it; ${FIX}.`;
const incomplete = (given: string, missing: string, impostor: boolean) =>
    `Docker provider ${NAME} reaches the engine at "tcp://10.0.0.11:2376" with ${given} but no ${missing}: TLS that ` +
    "verifies the engine needs all three (caMaterial its CA, certMaterial and keyMaterial this client's certificate and key)" +
    `${impostor ? "; without caMaterial anyone on the path can pose as the engine" : ""}; ${FIX}.`;
const INLINE =
    `Docker provider ${NAME} reaches the engine at "tcp://10.0.0.11:2376" with its TLS material inline (caMaterial, ` +
    "certMaterial, keyMaterial): policies cannot tell whether keyMaterial is a secret (@pulumi/policy hands them inputs " +
    `without their secret marker), and in clear text the key would sit in the stack's state; ${FIX}, or pass keyMaterial ` +
    "as a secret and set allowInlineKeyMaterial: true in this policy's config.";

const MATERIALS = {
    caMaterial: "-----BEGIN CERTIFICATE-----\nengine CA\n-----END CERTIFICATE-----\n",
    certMaterial: "-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n",
    keyMaterial: "-----BEGIN PRIVATE KEY-----\nclient key\n-----END PRIVATE KEY-----\n",
};

describe("docker-endpoint-tls", () => {
    const policy = dockerEndpointTls;

    it("is mandatory", () => {
        assert.equal(policy.enforcementLevel, "mandatory");
    });

    it("passes each host's provider as the program declares it: tcp:// with certPath", async () => {
        const providers = spreadOverHosts(clusterResources(2, "production"), "production").filter((r) => r.type === DOCKER_PROVIDER);
        assert.equal(providers.length, 3);
        for (const p of providers) {
            await assertNoViolations(policy, resourceArgs(p.type, p.props, { name: p.name }));
        }
    });

    it("passes ssh:// and unix:// endpoints, which tcp://'s TLS does not concern", async () => {
        await assertNoViolations(policy, provider(dockerProviderProps("ssh://deploy@10.0.0.12")));
        await assertNoViolations(policy, provider({ host: "unix:///var/run/docker.sock" }));
    });

    it("passes a provider without host: the default engine", async () => {
        await assertNoViolations(policy, provider({}));
        await assertNoViolations(policy, provider({ host: "" }));
    });

    for (const host of ["tcp://127.0.0.1:2375", "tcp://127.8.9.10:2375", "tcp://localhost:2375", "tcp://LOCALHOST:2375", "tcp://[::1]:2375"]) {
        it(`passes ${host} without TLS: a loopback address never leaves the machine`, async () => {
            await assertNoViolations(policy, provider({ host }));
        });
    }

    it("reports tcp:// to another machine without TLS", async () => {
        await assertHasViolation(policy, provider({ host: DOCKER_HOSTS.h1 }), withoutTls(DOCKER_HOSTS.h1));
    });

    it("reports an empty certPath as none", async () => {
        await assertHasViolation(policy, provider({ host: DOCKER_HOSTS.h1, certPath: " " }), withoutTls(DOCKER_HOSTS.h1));
    });

    it("reads the scheme in any case, and the address without port, path or user", async () => {
        await assertHasViolation(policy, provider({ host: "TCP://10.0.0.11:2376" }), withoutTls("TCP://10.0.0.11:2376"));
        await assertHasViolation(policy, provider({ host: "tcp://deploy@10.0.0.11:2376/" }), withoutTls("tcp://deploy@10.0.0.11:2376"));
        await assertHasViolation(policy, provider({ host: "tcp://[2001:db8::1]:2376" }), withoutTls("tcp://[2001:db8::1]:2376"));
    });

    it("does not take a name that starts like a loopback address for one", async () => {
        for (const host of ["tcp://127.0.0.1.example.com:2375", "tcp://127.evil.example:2375", "tcp://localhost.example.com:2375", "tcp://127.0.0.300:2375"]) {
            await assertHasViolation(policy, provider({ host }), withoutTls(host));
        }
    });

    it("reports certificate and key without the engine's CA: nobody is verified", async () => {
        const { caMaterial, ...clientOnly } = MATERIALS;
        await assertHasViolation(policy, provider({ host: DOCKER_HOSTS.h1, ...clientOnly }), incomplete("certMaterial and keyMaterial", "caMaterial", true));
    });

    it("reports the CA without the client's certificate and key", async () => {
        await assertHasViolation(policy, provider({ host: DOCKER_HOSTS.h1, caMaterial: MATERIALS.caMaterial }),
            incomplete("caMaterial", "certMaterial and keyMaterial", false));
    });

    it("reports all three materials inline by default: it cannot tell a secret keyMaterial from one in clear text", async () => {
        await assertHasViolation(policy, provider({ host: DOCKER_HOSTS.h1, ...MATERIALS }), INLINE);
    });

    it("passes all three materials with allowInlineKeyMaterial, and still reports an incomplete set", async () => {
        const config = { allowInlineKeyMaterial: true };
        await assertNoViolations(policy, provider({ host: DOCKER_HOSTS.h1, ...MATERIALS }, config));
        await assertHasViolation(policy, provider({ host: DOCKER_HOSTS.h1, keyMaterial: MATERIALS.keyMaterial }, config),
            incomplete("keyMaterial", "caMaterial and certMaterial", true));
    });

    it("passes certPath whatever the materials say", async () => {
        await assertNoViolations(policy, provider({ host: DOCKER_HOSTS.h1, certPath: DOCKER_CERT_PATH, keyMaterial: MATERIALS.keyMaterial }));
    });

    it("decides during the update what is unknown in a preview: the host, certPath, a material", async () => {
        await assertNoViolations(policy, provider({ host: UNKNOWN_STRING }));
        await assertNoViolations(policy, provider({ host: DOCKER_HOSTS.h1, certPath: UNKNOWN_STRING }));
        await assertNoViolations(policy, provider({ host: DOCKER_HOSTS.h1, ...MATERIALS, caMaterial: UNKNOWN_STRING }));
    });

    it("does not apply to other resources", async () => {
        await assertNotApplicable(policy, resourceArgs(CONTAINER, containerProps("pg0")));
    });
});
