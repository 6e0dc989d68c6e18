// Test helpers: policy args built the way @pulumi/policy 1.21.0's server builds them (props
// behind its unknown-checking proxy, PolicyResourceOptions, isType/asType/getConfig/notApplicable),
// and AWSGuard-style assertions.

import * as assert from "node:assert/strict";
import {
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    unknownCheckingProxy,
} from "@pulumi/policy";

/** What the engine sends for a string that is only known after deployment (e.g. an imageId). */
export const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

export class NotApplicable extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "Policy does not apply");
    }
}

function notApplicable(reason?: string): never {
    throw new NotApplicable(reason);
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
    return (resourceClass as { __pulumiType?: string }).__pulumiType === type;
}

export function resourceOptions(overrides: Partial<PolicyResourceOptions> = {}): PolicyResourceOptions {
    return {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...overrides,
    };
}

export function urnOf(type: string, name: string, stack = "test"): string {
    return `urn:pulumi:${stack}::pg-cluster::${type}::${name}`;
}

export interface ResourceArgsOptions {
    name?: string;
    urn?: string;
    config?: object;
    opts?: Partial<PolicyResourceOptions>;
}

export function resourceArgs(type: string, props: Record<string, any>, options: ResourceArgsOptions = {}): ResourceValidationArgs {
    const name = options.name ?? "test";
    const proxied = unknownCheckingProxy(props) as Record<string, any>;
    return {
        type,
        props: proxied,
        urn: options.urn ?? urnOf(type, name),
        name,
        opts: resourceOptions(options.opts),
        stackTags: new Map(),
        isType: (cls) => isTypeOf(type, cls),
        asType: (cls) => (isTypeOf(type, cls) ? (proxied as any) : undefined),
        getConfig: <T extends object>() => (options.config ?? {}) as T,
        notApplicable,
    };
}

/**
 * A resource of a test stack; `dependsOn`, `parent` and `provider` name other resources of the same
 * stack (`provider` a `pulumi:providers:docker`; without one the resource is on the default provider).
 */
export interface TestResource {
    type: string;
    name: string;
    props: Record<string, any>;
    urn?: string;
    dependsOn?: string[];
    parent?: string;
    provider?: string;
    opts?: Partial<PolicyResourceOptions>;
}

/** A resource's provider as @pulumi/policy 1.21.0 passes it: type, name, URN and its inputs behind the unknown-value proxy. */
export function providerOf(provider: TestResource): PolicyProviderResource {
    return {
        type: provider.type,
        props: unknownCheckingProxy(provider.props) as Record<string, any>,
        urn: provider.urn ?? urnOf(provider.type, provider.name),
        name: provider.name,
    };
}

export function stackArgs(resources: readonly TestResource[], config: object = {}): StackValidationArgs {
    const built = resources.map((r) => {
        const proxied = unknownCheckingProxy(r.props) as Record<string, any>;
        const resource: PolicyResource = {
            type: r.type,
            props: proxied,
            urn: r.urn ?? urnOf(r.type, r.name),
            name: r.name,
            opts: resourceOptions(r.opts),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isTypeOf(r.type, cls),
            asType: (cls) => (isTypeOf(r.type, cls) ? (proxied as any) : undefined),
        };
        return resource;
    });
    const byName = (name: string) => {
        const found = built.filter((b) => b.name === name);
        assert.ok(found.length > 0, `test stack has no resource named ${name}`);
        return found;
    };
    resources.forEach((r, i) => {
        built[i].dependencies = (r.dependsOn ?? []).flatMap(byName);
        if (r.parent !== undefined) {
            built[i].parent = byName(r.parent)[0];
            built[i].opts.parent = built[i].parent!.urn;
        }
        if (r.provider !== undefined) {
            const provider = resources.find((p) => p.name === r.provider);
            assert.ok(provider !== undefined, `test stack has no provider named ${r.provider}`);
            built[i].provider = providerOf(provider);
        }
    });
    return {
        resources: built,
        stackTags: new Map(),
        getConfig: <T extends object>() => config as T,
        notApplicable,
    };
}

export interface Violation {
    message: string;
    urn?: string;
}

/** Runs a policy like the engine does; a policy that declares itself not applicable reports nothing. */
export async function runPolicy(policy: AnyPolicy, args: ResourceValidationArgs | StackValidationArgs): Promise<Violation[]> {
    const violations: Violation[] = [];
    const report = (message: string, urn?: string) => violations.push({ message, urn });
    try {
        if ("validateStack" in policy) {
            assert.ok("resources" in args, `${policy.name} is a stack policy: pass stackArgs(...)`);
            await Promise.resolve(policy.validateStack(args as StackValidationArgs, report));
        } else {
            assert.ok(!("resources" in args), `${policy.name} is a resource policy: pass resourceArgs(...)`);
            const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
            for (const validate of validations) {
                await Promise.resolve(validate(args as ResourceValidationArgs, report));
            }
        }
    } catch (e) {
        if (!(e instanceof NotApplicable)) {
            throw e;
        }
    }
    return violations;
}

function describe(violations: readonly Violation[]): string {
    return violations.map((v) => `  - ${v.message}${v.urn ? ` (${v.urn})` : ""}`).join("\n") || "  (none)";
}

export async function assertNoViolations(policy: AnyPolicy, args: ResourceValidationArgs | StackValidationArgs): Promise<void> {
    const violations = await runPolicy(policy, args);
    assert.equal(violations.length, 0, `${policy.name}: expected no violations, got:\n${describe(violations)}`);
}

/** The policy reports exactly this one message (and, if given, on this URN). */
export async function assertHasViolation(
    policy: AnyPolicy, args: ResourceValidationArgs | StackValidationArgs, message: string, urn?: string): Promise<void> {
    await assertHasViolations(policy, args, [message], urn);
}

/** The policy reports exactly these messages, in any order. */
export async function assertHasViolations(
    policy: AnyPolicy, args: ResourceValidationArgs | StackValidationArgs, messages: readonly string[], urn?: string): Promise<void> {
    const violations = await runPolicy(policy, args);
    assert.deepEqual(
        violations.map((v) => v.message).sort(),
        [...messages].sort(),
        `${policy.name}: expected exactly:\n${describe(messages.map((m) => ({ message: m })))}\ngot:\n${describe(violations)}`);
    if (urn !== undefined) {
        for (const v of violations) {
            assert.equal(v.urn, urn, `${policy.name}: violation reported on ${v.urn}, expected ${urn}`);
        }
    }
}

/** The policy declares itself not applicable (and so reports nothing). */
export async function assertNotApplicable(policy: AnyPolicy, args: ResourceValidationArgs | StackValidationArgs): Promise<void> {
    let thrown: unknown;
    try {
        if ("validateStack" in policy) {
            await Promise.resolve(policy.validateStack(args as StackValidationArgs, () => assert.fail("reported a violation")));
        } else {
            const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
            for (const validate of validations) {
                await Promise.resolve(validate(args as ResourceValidationArgs, () => assert.fail("reported a violation")));
            }
        }
    } catch (e) {
        thrown = e;
    }
    assert.ok(thrown instanceof NotApplicable, `${policy.name}: expected notApplicable(), got ${String(thrown)}`);
}
