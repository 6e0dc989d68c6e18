import { ResourceValidationPolicy } from "@pulumi/policy";
import { isLoopbackAddress, parseEndpoint, providerHost } from "../lib/dockerHosts";
import { DOCKER_PROVIDER } from "../lib/types";
import { isKnown, quote, readString } from "../lib/values";

export interface DockerEndpointTlsConfig {
    /**
     * Accept caMaterial, certMaterial and keyMaterial in place of certPath: the program passes
     * keyMaterial as a secret, which this policy cannot see for itself.
     */
    allowInlineKeyMaterial?: boolean;
}

const MATERIALS = ["caMaterial", "certMaterial", "keyMaterial"] as const;

// Docker's API gives root on its host (a container can mount /). Over plain tcp:// anyone on the
// path can pose as the engine, or read and change what the program sends it (passwords in step
// input, certificates). With TLS but without the engine's CA the client checks nobody: the docker
// provider verifies the engine against ca.pem of certPath, or against caMaterial. A loopback engine
// never leaves the machine; ssh:// and unix:// have their own protection.
//
// Inline material: @pulumi/policy 1.21.0 hands policies every input with its secret marker taken
// off (deserializeProperties(…, false) before a validation runs), so this policy cannot tell a
// keyMaterial passed as a secret from one in clear text, which would sit in the stack's state.
// It asks for certPath unless the policy config says the key is passed as a secret.
export const dockerEndpointTls: ResourceValidationPolicy = {
    name: "docker-endpoint-tls",
    description:
        "A docker provider that reaches an engine over tcp:// on another machine uses TLS and verifies the engine " +
        "against its CA (certPath, or caMaterial, certMaterial and keyMaterial).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowInlineKeyMaterial: {
                type: "boolean",
                default: false,
                description: "Accept caMaterial, certMaterial and keyMaterial in place of certPath (keyMaterial passed as a secret).",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== DOCKER_PROVIDER) {
            return args.notApplicable(`applies to ${DOCKER_PROVIDER} resources only`);
        }
        const host = providerHost(args.props);
        // No host: the default engine (DOCKER_HOST or the local socket), which policies do not see.
        if (!isKnown(host) || host === undefined) {
            return;
        }
        const endpoint = parseEndpoint(host);
        if (endpoint === undefined || endpoint.scheme !== "tcp" || isLoopbackAddress(endpoint.address)) {
            return;
        }
        const certPath = readString(() => args.props.certPath);
        const materials = MATERIALS.map((name) => ({ name, value: readString(() => args.props[name]) }));
        if (!isKnown(certPath) || materials.some((m) => !isKnown(m.value))) {
            return;
        }
        if (certPath !== undefined && certPath.trim() !== "") {
            return;
        }
        const given = materials.filter((m) => typeof m.value === "string" && m.value.trim() !== "").map((m) => m.name);
        const provider = `Docker provider ${args.name} reaches the engine at ${quote(host)}`;
        const fix = "set certPath to a directory with ca.pem, cert.pem and key.pem (pg-cluster:dockerHosts.<host>.certPath), " +
            "or reach the engine over ssh://";
        if (given.length === 0) {
            reportViolation(
                `${provider} without TLS (no certPath, no caMaterial, certMaterial and keyMaterial): anyone on the network ` +
                `path can pose as the engine, whose API gives root on its host, or read what the program sends it; ${fix}.`);
            return;
        }
        if (given.length < MATERIALS.length) {
            const missing = MATERIALS.filter((m) => !given.includes(m));
            const impostor = missing.includes("caMaterial") ? "; without caMaterial anyone on the path can pose as the engine" : "";
            reportViolation(
                `${provider} with ${given.join(" and ")} but no ${missing.join(" and ")}: TLS that verifies the engine needs ` +
                `all three (caMaterial its CA, certMaterial and keyMaterial this client's certificate and key)${impostor}; ${fix}.`);
            return;
        }
        if (args.getConfig<DockerEndpointTlsConfig>().allowInlineKeyMaterial !== true) {
            reportViolation(
                `${provider} with its TLS material inline (caMaterial, certMaterial, keyMaterial): policies cannot tell whether ` +
                "keyMaterial is a secret (@pulumi/policy hands them inputs without their secret marker), and in clear text " +
                `the key would sit in the stack's state; ${fix}, or pass keyMaterial as a secret and set ` +
                "allowInlineKeyMaterial: true in this policy's config.");
        }
    },
};
