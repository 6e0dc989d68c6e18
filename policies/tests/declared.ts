// Runs the whole pack over a stack declaration written by the Java unit tests
// (target/declared/<stack>.json): resource rules over each resource, stack rules over all of them,
// with the default policy config or a given one, as `pulumi preview --policy-pack policies [--policy-pack-config …]` would.

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    EnforcementLevel, PolicyProviderResource, PolicyResource, ResourceValidationArgs, StackValidationArgs, UnknownValueError, unknownCheckingProxy,
} from "@pulumi/policy";
import { policies } from "../rules";
import {
    COMMAND, CONTAINER, DOCKER_PROVIDER, ENVIRONMENT_PRODUCTION, HA_MEMBER_ETCD, HA_MEMBER_PATRONI, LABEL_ENVIRONMENT, LABEL_HA_MEMBER, LABEL_NODE,
    REMOTE_IMAGE, STEP_PRIMARY, VOLUME,
} from "../lib/types";
import { previewProps } from "./builders";
import { AnyPolicy, NotApplicable, resourceOptions, UNKNOWN_STRING } from "./util";

function findPackRoot(dir: string): string {
    for (let d = dir; ; d = path.dirname(d)) {
        if (fs.existsSync(path.join(d, "PulumiPolicy.yaml"))) {
            return d;
        }
        if (path.dirname(d) === d) {
            throw new Error(`no PulumiPolicy.yaml above ${dir}`);
        }
    }
}

/** The policies/ directory (tests run from its compiled copy under bin/). */
export const PACK_ROOT = findPackRoot(__dirname);

export interface DeclaredResource {
    type: string;
    name: string;
    urn: string;
    props: Record<string, any>;
    secretProps?: string[];
    /**
     * `provider` names the resource's docker provider (a `pulumi:providers:docker` of the same
     * file, by name or URN); without it the resource is on the default provider. The program's
     * export records no provider yet.
     */
    options?: { retainOnDelete?: boolean; protect?: boolean; dependsOn?: string[]; parent?: string | null; provider?: string | null };
}

export interface DeclaredStack {
    project: string;
    stack: string;
    resources: DeclaredResource[];
}

export function loadDeclaredStack(file: string, howToCreate: string): DeclaredStack {
    if (!fs.existsSync(file)) {
        assert.fail(`${file} is missing: ${howToCreate}`);
    }
    const stack = JSON.parse(fs.readFileSync(file, "utf8")) as DeclaredStack;
    assert.equal(typeof stack.project, "string", `${file}: "project" must be a string`);
    assert.equal(typeof stack.stack, "string", `${file}: "stack" must be a string`);
    assert.ok(Array.isArray(stack.resources), `${file}: "resources" must be an array`);
    for (const [i, r] of stack.resources.entries()) {
        for (const key of ["type", "name", "urn"] as const) {
            assert.equal(typeof r[key], "string", `${file}: resources[${i}].${key} must be a string`);
        }
        assert.ok(r.props !== null && typeof r.props === "object", `${file}: resources[${i}].props must be an object`);
    }
    return stack;
}

/** The declaration as `pulumi preview` shows it to policies, with the program's computed inputs unknown. */
export function previewOfDeclared(stack: DeclaredStack): DeclaredStack {
    return { ...stack, resources: stack.resources.map((r) => ({ ...r, props: previewProps(r.type, r.props) })) };
}

export interface Finding {
    policy: string;
    /** `<type>::<name>` of the resource, or `(stack)` for a stack-wide violation. */
    resource: string;
    message: string;
    /** The level it is reported at under the policy config runPack was given (not part of formatFinding). */
    level?: EnforcementLevel;
}

/**
 * A policy config as `pulumi preview --policy-pack-config` takes it: per rule a level, or an
 * object with `enforcementLevel` and the rule's settings.
 */
export type PolicyConfig = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

function levelOf(policy: AnyPolicy, config: PolicyConfig): EnforcementLevel {
    const entry = config[policy.name];
    const level = typeof entry === "string" ? entry : entry?.enforcementLevel;
    return level ?? policy.enforcementLevel ?? "advisory";
}

function settingsOf(policy: AnyPolicy, config: PolicyConfig): object {
    const entry = config[policy.name];
    if (entry === undefined || typeof entry === "string") {
        return {};
    }
    const { enforcementLevel: _level, ...settings } = entry;
    return settings;
}

export function formatFinding(f: Finding): string {
    return `${f.policy} | ${f.resource} | ${f.message}`;
}

function resourceKey(r: { type: string; name: string }): string {
    return `${r.type}::${r.name}`;
}

/** References in `dependsOn`/`parent` are resource names (or URNs); a name may match several types. */
function resolve(stack: DeclaredStack, ref: string): DeclaredResource[] {
    return stack.resources.filter((r) => r.name === ref || r.urn === ref);
}

function notApplicable(reason?: string): never {
    throw new NotApplicable(reason);
}

function isTypeOf(type: string, cls: unknown): boolean {
    return (cls as { __pulumiType?: string }).__pulumiType === type;
}

/** Runs the pack over the stack; `config` as a policy config file gives it (levels and settings). */
export async function runPack(stack: DeclaredStack, config: PolicyConfig = {}): Promise<Finding[]> {
    const findings: Finding[] = [];
    const byUrn = new Map(stack.resources.map((r) => [r.urn, r]));
    const parentUrn = (r: DeclaredResource) => (r.options?.parent ? resolve(stack, r.options.parent)[0]?.urn : undefined);
    const options = (r: DeclaredResource) => resourceOptions({ protect: r.options?.protect ?? false, parent: parentUrn(r) });
    // As the engine passes it: the provider's type, name, URN and inputs (behind the unknown-value proxy).
    const providerOf = (r: DeclaredResource): PolicyProviderResource | undefined => {
        const found = r.options?.provider ? resolve(stack, r.options.provider).filter((p) => p.type === DOCKER_PROVIDER) : [];
        assert.ok(!r.options?.provider || found.length === 1, `${r.name}: its provider ${String(r.options?.provider)} is not in the stack`);
        return found.length === 1
            ? { type: found[0].type, props: unknownCheckingProxy(found[0].props) as Record<string, any>, urn: found[0].urn, name: found[0].name }
            : undefined;
    };

    const run = async (policy: AnyPolicy, where: string, validate: (report: (m: string, urn?: string) => void) => unknown) => {
        const level = levelOf(policy, config);
        const report = (message: string, urn?: string) => {
            const target = urn !== undefined ? byUrn.get(urn) : undefined;
            findings.push({ policy: policy.name, resource: target ? resourceKey(target) : where, message, level });
        };
        try {
            await Promise.resolve(validate(report));
        } catch (e) {
            if (e instanceof UnknownValueError) {
                // The engine reports this as an advisory "can't run during preview".
                findings.push({ policy: policy.name, resource: where, message: `can't run: ${(e as Error).message}`, level: "advisory" });
            } else if (!(e instanceof NotApplicable)) {
                throw e;
            }
        }
    };

    for (const policy of policies) {
        if (levelOf(policy, config) === "disabled") {
            continue;
        }
        const getConfig = <T extends object>() => settingsOf(policy, config) as T;
        if ("validateStack" in policy) {
            const built: PolicyResource[] = stack.resources.map((r) => {
                const props = unknownCheckingProxy(r.props) as Record<string, any>;
                return {
                    type: r.type, props, urn: r.urn, name: r.name, opts: options(r), provider: providerOf(r),
                    dependencies: [], propertyDependencies: {},
                    isType: (cls) => isTypeOf(r.type, cls),
                    asType: (cls) => (isTypeOf(r.type, cls) ? (props as any) : undefined),
                };
            });
            stack.resources.forEach((r, i) => {
                const deps = (r.options?.dependsOn ?? []).flatMap((d) => resolve(stack, d));
                built[i].dependencies = deps.map((d) => built[stack.resources.indexOf(d)]);
                const parent = parentUrn(r);
                built[i].parent = built.find((b) => b.urn === parent);
            });
            const args: StackValidationArgs = {
                resources: built, stackTags: new Map(), getConfig, notApplicable,
            };
            await run(policy, "(stack)", (report) => policy.validateStack(args, report));
        } else {
            for (const r of stack.resources) {
                const props = unknownCheckingProxy(r.props) as Record<string, any>;
                const args: ResourceValidationArgs = {
                    type: r.type, props, urn: r.urn, name: r.name, opts: options(r), provider: providerOf(r), stackTags: new Map(),
                    isType: (cls) => isTypeOf(r.type, cls),
                    asType: (cls) => (isTypeOf(r.type, cls) ? (props as any) : undefined),
                    getConfig,
                    notApplicable,
                };
                const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
                for (const validate of validations) {
                    await run(policy, resourceKey(r), (report) => validate(args, (message) => report(message, r.urn)));
                }
            }
        }
    }
    return findings;
}

function labelOf(r: DeclaredResource, label: string): string | undefined {
    const labels: Array<{ label: string; value: string }> = Array.isArray(r.props.labels) ? r.props.labels : [];
    return labels.find((l) => l.label === label)?.value;
}

function nodeOf(r: DeclaredResource): string | undefined {
    return labelOf(r, LABEL_NODE);
}

/** What an ha: patroni container runs: its label, else its entrypoint (the program labels no etcd member). */
function haMemberOf(r: DeclaredResource): string | undefined {
    const entrypoint = Array.isArray(r.props.entrypoints) ? String(r.props.entrypoints[0] ?? "").split("/").pop() : undefined;
    return labelOf(r, LABEL_HA_MEMBER) ?? (entrypoint === HA_MEMBER_ETCD || entrypoint === HA_MEMBER_PATRONI ? entrypoint : undefined);
}

/** The PostgreSQL nodes: labelled with a node name, but for etcd members (the program labels them so too). */
function databaseContainers(stack: DeclaredStack): DeclaredResource[] {
    return stack.resources.filter((r) => r.type === CONTAINER && nodeOf(r) !== undefined && haMemberOf(r) !== HA_MEMBER_ETCD);
}

/** An ha: patroni stack: its nodes are Patroni members. */
function isPatroniStack(stack: DeclaredStack): boolean {
    const nodes = databaseContainers(stack);
    return nodes.length > 0 && nodes.every((r) => haMemberOf(r) === HA_MEMBER_PATRONI);
}

/** The nodes of a declared stack by name, sorted (as the pack lists them in messages). */
export function nodeNamesOf(stack: DeclaredStack): string[] {
    return databaseContainers(stack).map((r) => nodeOf(r)!).sort();
}

/**
 * The node the stack's primary step names (PGC_PRIMARY); UNKNOWN_STRING while a command's
 * environment is unknown (a preview), undefined when no single step names one.
 */
function primaryOf(stack: DeclaredStack): string | undefined {
    const commands = stack.resources.filter((r) => r.type === COMMAND);
    if (commands.some((r) => r.props.environment === UNKNOWN_STRING)) {
        return UNKNOWN_STRING;
    }
    const named = commands.filter((r) => r.props.environment?.PGC_STEP === STEP_PRIMARY).map((r) => r.props.environment.PGC_PRIMARY);
    return named.length === 1 ? named[0] : undefined;
}

/**
 * What production-automatic-failover says of a production stack that runs ha: none (prod-none: the
 * shipped production stack's shape on ha: none).
 */
export function haNoneInProduction(stack: DeclaredStack): Finding {
    return {
        policy: "production-automatic-failover",
        resource: "(stack)",
        message:
            `Production stack runs its nodes (${nodeNamesOf(stack).join(", ")}) without automatic failover (ha: none): ` +
            "when the primary fails, writes stop until someone runs pulumi up with another pg-cluster:primary; set " +
            "pg-cluster:ha to patroni (with its etcd members) so a replica takes over by itself.",
    };
}

/** A stack declares nodes, and a primary step that names one of them (none under ha: patroni, where Patroni elects the leader). */
function assertDeclaresNodesAndItsPrimary(stack: DeclaredStack, expectedName: string): void {
    assert.equal(stack.stack, expectedName, "the file names the stack it was written for");
    const nodes = databaseContainers(stack).map(nodeOf);
    assert.ok(nodes.length > 0, `stack ${expectedName} declares no PostgreSQL node container`);
    const primary = primaryOf(stack);
    if (isPatroniStack(stack)) {
        assert.ok(primary === UNKNOWN_STRING || stack.resources.every((r) => r.props.environment?.PGC_STEP !== STEP_PRIMARY),
            `stack ${expectedName}: Patroni elects the leader, yet a primary step names ${String(primary)}`);
    } else {
        assert.ok(primary === UNKNOWN_STRING || nodes.includes(primary),
            `stack ${expectedName}: its primary step names ${String(primary)}, not one of the nodes ${nodes.join(", ")}`);
    }
}

/**
 * The policy config of a production stack on one Docker host: production-spread-over-hosts
 * lowered to advisory. The shipped production stack is one (a trial on one machine); the file is
 * the one README.md tells users to pass (policies/config/one-host-production.json).
 */
export const ONE_HOST_PRODUCTION_CONFIG: PolicyConfig = JSON.parse(
    fs.readFileSync(path.join(PACK_ROOT, "config", "one-host-production.json"), "utf8"));

function isProductionStack(stack: DeclaredStack): boolean {
    return databaseContainers(stack).some((r) => labelOf(r, LABEL_ENVIRONMENT) === ENVIRONMENT_PRODUCTION);
}

/** Every container on the default provider (the program's export names no provider yet): one Docker host. */
function isOnOneHost(stack: DeclaredStack): boolean {
    return stack.resources.every((r) => r.type !== CONTAINER || !r.options?.provider);
}

/**
 * What production-spread-over-hosts says of a production stack whose containers all run on the
 * default provider: its nodes, and its etcd members (3 or more under ha: patroni), on one host.
 */
export function oneHostInProduction(stack: DeclaredStack): Finding[] {
    const place = "(pg-cluster:dockerHosts and pg-cluster:placement)";
    const findings: Finding[] = [{
        policy: "production-spread-over-hosts",
        resource: "(stack)",
        message:
            `Production stack runs all its nodes on one Docker host (${nodeNamesOf(stack).join(", ")} on the default Docker ` +
            "host): when that machine or its engine fails, every node fails with it and no replica is left to take over; " +
            `place the nodes on at least 2 Docker hosts ${place}.`,
    }];
    const etcd = stack.resources.filter((r) => r.type === CONTAINER && haMemberOf(r) === HA_MEMBER_ETCD).map((r) => nodeOf(r) ?? r.name).sort();
    if (etcd.length >= 3) {
        const most = Math.floor((etcd.length - 1) / 2);
        findings.push({
            policy: "production-spread-over-hosts",
            resource: "(stack)",
            message:
                "Production stack's etcd members are placed so that one Docker host failing stops the DCS " +
                `(${etcd.join(", ")} on the default Docker host): the default Docker host holds ${etcd.length} of the ` +
                `${etcd.length}, and losing it leaves 0, no majority: etcd stops and Patroni demotes the leader, so the ` +
                `cluster takes no writes; place them so no host holds more than ${most} of the ${etcd.length} (at least ` +
                `${Math.ceil(etcd.length / most)} Docker hosts, pg-cluster:dockerHosts and pg-cluster:placement).`,
        });
    }
    return findings;
}

/**
 * A shipped stack declares nodes and its primary (see above), and passes every rule: no finding at
 * all. But for a production stack on one Docker host (the shipped production stack): it fails
 * production-spread-over-hosts alone, which its policy config (ONE_HOST_PRODUCTION_CONFIG) lowers
 * to advisory, so nothing stops its deployment.
 */
export async function assertShippedStackIsClean(stack: DeclaredStack, expectedName: string): Promise<void> {
    assertDeclaresNodesAndItsPrimary(stack, expectedName);
    const oneHostProduction = isProductionStack(stack) && isOnOneHost(stack);
    const expected = oneHostProduction ? oneHostInProduction(stack) : [];
    const findings = await runPack(stack, oneHostProduction ? ONE_HOST_PRODUCTION_CONFIG : {});
    assert.deepEqual(findings.map(formatFinding).sort(), expected.map(formatFinding).sort(),
        `stack ${expectedName} must pass every rule${oneHostProduction ? " but production-spread-over-hosts (one Docker host)" : ""}`);
    assert.deepEqual(findings.filter((f) => f.level !== "advisory").map(formatFinding), [],
        `stack ${expectedName}: nothing mandatory under its policy config`);
}

/**
 * The production stack on ha: none declares nodes and its primary, as a shipped stack does, and
 * fails production-automatic-failover, which is mandatory, so such a stack never gets as far as a
 * deployment with the default policy config. On one Docker host, as the shipped production stack,
 * it fails production-spread-over-hosts too, which its policy config lowers to advisory
 * (ONE_HOST_PRODUCTION_CONFIG); nothing else.
 */
export async function assertProductionOnHaNoneFailsOnlyForFailover(stack: DeclaredStack, expectedName: string): Promise<void> {
    assertDeclaresNodesAndItsPrimary(stack, expectedName);
    assert.ok(!isPatroniStack(stack), `stack ${expectedName} runs ha: none`);
    assert.ok(isOnOneHost(stack), `stack ${expectedName} runs on one Docker host`);
    const expected = haNoneInProduction(stack);
    assert.equal(policies.find((p) => p.name === expected.policy)?.enforcementLevel, "mandatory",
        `${expected.policy} is a mandatory rule`);
    const findings = await runPack(stack, ONE_HOST_PRODUCTION_CONFIG);
    assert.deepEqual(findings.map(formatFinding).sort(), [expected, ...oneHostInProduction(stack)].map(formatFinding).sort(),
        `stack ${expectedName} must fail ${expected.policy}, and production-spread-over-hosts on its one host, and nothing else`);
    assert.deepEqual(findings.filter((f) => f.level !== "advisory").map(formatFinding), [formatFinding(expected)],
        `stack ${expectedName}: ${expected.policy} is its one mandatory finding under its policy config`);
}

/**
 * The deliberately bad stack fails exactly these rules: 5432 published on 0.0.0.0 (on the containers
 * that publish it), the image postgres:latest (on each RemoteImage and each container given that
 * reference), max_slot_wal_keep_size=-1 (on every PostgreSQL node), and TLS off: ssl off on every
 * node, each conf step's pg_hba.conf accepting `host` logins without the `hostnossl … reject`
 * lines, and PGC_TLS=off on the steps that connect standbys to the primary; nothing else.
 */
export async function assertBadStackFailsAsExpected(stack: DeclaredStack): Promise<void> {
    const publicPort =
        "PostgreSQL port 5432 is published on all interfaces (ip \"0.0.0.0\"); " +
        "bind it to 127.0.0.1 or another specific address, or set allowPublicPorts: true in this policy's config.";
    const unpinned = (image: string) =>
        `Image ${JSON.stringify(image)} is not pinned: tag "latest" moves to new releases; ` +
        "use a version tag (e.g. postgres:17.6) or a digest (@sha256:…).";
    const unbounded =
        "max_slot_wal_keep_size is -1 (unbounded): a lagging or lost replica's slot can keep WAL " +
        "until the primary's disk is full; set a bound such as 1GB.";

    const sslOff =
        "ssl is \"off\", so logins, queries and replicated WAL cross the network in clear; set ssl=on with ssl_cert_file " +
        "and ssl_key_file naming the node's certificate and key.";
    const noReject = (where: string, line: string, replication: boolean) =>
        `${where} has no ${JSON.stringify(line)}; add it so network logins without TLS ${replication ? "for replication " : ""}` +
        "are rejected before any password is asked.";
    const plainHost = (where: string, line: string) =>
        `pg_hba rule ${JSON.stringify(line)} in ${where} accepts network logins over host, which does not require TLS; ` +
        "make it hostssl (or reject).";
    const tlsOff = (kind: string, name: string, exposed: string) =>
        `PGC_TLS is "off" on ${kind} step ${name}, so ${exposed}; ` +
        "set pg-cluster:tls to true (with PGC_TLS=on the step connects with sslmode=verify-full).";
    const stepsOf = (kind: string) => stack.resources.filter((r) => r.type === COMMAND && r.props.environment?.PGC_STEP === kind);
    const confSteps = stepsOf("conf");
    const standbySeeds = stepsOf("seed").filter((r) => r.props.environment.PGC_ROLE === "replica");
    const conninfoSteps = stepsOf("conninfo");
    const primarySteps = stepsOf(STEP_PRIMARY);

    const publishing = stack.resources.filter((r) =>
        r.type === CONTAINER && Array.isArray(r.props.ports) && r.props.ports.some((p: { internal?: unknown }) => Number(p.internal) === 5432));
    const latest = stack.resources.filter((r) =>
        (r.type === REMOTE_IMAGE && r.props.name === "postgres:latest") || (r.type === CONTAINER && r.props.image === "postgres:latest"));
    const nodes = databaseContainers(stack);
    assert.ok(publishing.length > 0, "the bad stack publishes 5432");
    assert.ok(latest.length > 0, "the bad stack uses postgres:latest");
    assert.ok(nodes.length > 0, "the bad stack declares PostgreSQL nodes");
    assert.equal(confSteps.length, nodes.length, "the bad stack has a conf step per node");
    assert.ok(standbySeeds.length > 0 && conninfoSteps.length > 0 && primarySteps.length === 1,
        "the bad stack has standbys and a primary step");

    const expected: Finding[] = [
        ...publishing.map((r) => ({ policy: "no-public-postgres-port", resource: resourceKey(r), message: publicPort })),
        ...latest.map((r) => ({ policy: "pinned-image", resource: resourceKey(r), message: unpinned("postgres:latest") })),
        ...nodes.map((r) => ({ policy: "bounded-slot-wal", resource: resourceKey(r), message: unbounded })),
        ...nodes.map((r) => ({ policy: "ssl-on-every-node", resource: resourceKey(r), message: sslOff })),
        ...confSteps.flatMap((r) => {
            const where = `PGC_HBA of conf step ${r.name}`;
            const accepting = String(r.props.environment.PGC_HBA).split("\n").map((l) => l.trim())
                .filter((l) => /^host\s/.test(l) && !/\sreject$/.test(l));
            assert.ok(accepting.length > 0, `${r.name} accepts plain host logins`);
            return [
                noReject(where, "hostnossl all all all reject", false),
                noReject(where, "hostnossl replication all all reject", true),
                ...accepting.map((line) => plainHost(where, line)),
            ].map((message) => ({ policy: "pg-hba-tls-only", resource: resourceKey(r), message }));
        }),
        ...standbySeeds.map((r) => ({
            policy: "tls-verify-full", resource: resourceKey(r),
            message: tlsOff("seed", r.name, "the standby's base backup runs without TLS and without checking the primary's certificate"),
        })),
        ...conninfoSteps.map((r) => ({
            policy: "tls-verify-full", resource: resourceKey(r),
            message: tlsOff("conninfo", r.name, "the standby streams WAL without TLS and without checking the primary's certificate"),
        })),
        ...primarySteps.map((r) => ({
            policy: "tls-verify-full", resource: resourceKey(r),
            message: tlsOff("primary", r.name,
                "the standbys it points at the primary stream without TLS and without checking its certificate, and " +
                "the exported connection strings (set by the same pg-cluster:tls) do not ask for sslmode=verify-full"),
        })),
    ];
    const findings = await runPack(stack);
    assert.deepEqual(findings.map(formatFinding).sort(), expected.map(formatFinding).sort());
}

/**
 * The declaration with its nodes and etcd members (containers and volumes, by their
 * `pg-cluster.node` label) on Docker hosts: one docker provider per host, named and declared as
 * the program does for pg-cluster:dockerHosts (`<prefix>-docker-<host>`, `host` and, for tcp://,
 * `certPath`). The program's export records no provider link yet, so tests add them here.
 */
export function placedOnHosts(
    stack: DeclaredStack, placement: Readonly<Record<string, string>>, endpoints: Readonly<Record<string, string>>,
    certPath: string | undefined): DeclaredStack {
    const cluster = stack.resources.find((r) => r.type === "pgcluster:index:PostgresCluster");
    assert.ok(cluster !== undefined, `stack ${stack.stack} declares no PostgresCluster`);
    const providerName = (host: string) => `${cluster.name}-docker-${host}`;
    const providers: DeclaredResource[] = [...new Set(Object.values(placement))].sort().map((host) => ({
        type: DOCKER_PROVIDER,
        name: providerName(host),
        urn: `urn:pulumi:${stack.stack}::${stack.project}::${DOCKER_PROVIDER}::${providerName(host)}`,
        props: endpoints[host].startsWith("tcp://") && certPath !== undefined ? { host: endpoints[host], certPath } : { host: endpoints[host] },
        options: { retainOnDelete: false, protect: false, dependsOn: [], parent: cluster.name },
    }));
    const placed = stack.resources.map((r) => {
        const member = r.type === CONTAINER || r.type === VOLUME ? labelOf(r, LABEL_NODE) : undefined;
        const host = member !== undefined ? placement[member] : undefined;
        return host === undefined ? r : { ...r, options: { ...r.options, provider: providerName(host) } };
    });
    return { ...stack, resources: [...providers, ...placed] };
}
