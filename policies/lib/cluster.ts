// A model of the cluster built from a stack's resources, for the stack rules.

import { PolicyResource } from "@pulumi/policy";
import { isDatabaseContainer, labelsOf, settingsOf } from "./container";
import { ServerSettings } from "./settings";
import { COMMAND, ENVIRONMENT_PRODUCTION, LABEL_ENVIRONMENT, LABEL_NODE, SEED_ROLE_PRIMARY, STEP_PRIMARY, STEP_SEED } from "./types";
import { isKnown, readString, readStringMap, Unknown, UNKNOWN } from "./values";

export interface PgNode {
    resource: PolicyResource;
    /** For messages: `pg-cluster.node` label, else the container's name, else the resource name. */
    node: string;
    /** The same name for matching (steps, standby names); UNKNOWN while a value it comes from is unknown. */
    name: string | Unknown;
    /** `pg-cluster.environment`; UNKNOWN while not known yet. */
    environment: string | undefined | Unknown;
    settings: ServerSettings | Unknown;
}

/** The stack's PostgreSQL nodes: containers known to be ones (see undecidedContainersOf for the rest). */
export function nodesOf(resources: readonly PolicyResource[]): PgNode[] {
    return resources
        .filter((r) => isDatabaseContainer(r.type, r.props) === true)
        .map((r) => {
            const labels = labelsOf(r.props);
            const label = labels.get(LABEL_NODE);
            const containerName = readString(() => r.props.name);
            const fallback = typeof containerName === "string" ? containerName : r.name;
            let name: string | Unknown;
            if (label === undefined) {
                name = isKnown(containerName) ? fallback : UNKNOWN;
            } else {
                name = label;
            }
            return {
                resource: r,
                node: typeof label === "string" ? label : fallback,
                name,
                environment: labels.get(LABEL_ENVIRONMENT),
                settings: settingsOf(r.props),
            };
        });
}

/**
 * Whether the stack is a production stack: one of its nodes is labelled
 * `pg-cluster.environment=production`. A node whose label is not known yet does not count, so the
 * production rules decide such a stack during the update.
 */
export function isProductionStack(resources: readonly PolicyResource[]): boolean {
    return nodesOf(resources).some((n) => n.environment === ENVIRONMENT_PRODUCTION);
}

/** Containers that cannot be told yet (during preview) to be PostgreSQL nodes or not. */
export function undecidedContainersOf(resources: readonly PolicyResource[]): PolicyResource[] {
    return resources.filter((r) => isDatabaseContainer(r.type, r.props) === UNKNOWN);
}

/** A command:local:Command step; its `environment` is UNKNOWN while the whole map is not known yet. */
export interface Step {
    resource: PolicyResource;
    env: Map<string, string | Unknown> | Unknown;
}

/** Every command:local:Command of the stack, as a step. */
export function commandStepsOf(resources: readonly PolicyResource[]): Step[] {
    return resources
        .filter((r) => r.type === COMMAND)
        .map((r) => ({ resource: r, env: readStringMap(() => r.props.environment) }));
}

/** `environment.PGC_STEP`; UNKNOWN while the environment or that entry is not known yet. */
export function stepKind(step: Pick<Step, "env">): string | undefined | Unknown {
    return stepValue(step, "PGC_STEP");
}

/**
 * A non-empty string value of a step's environment; undefined when it is unset or empty; UNKNOWN
 * while the environment or that entry is not known yet.
 */
export function stepValue(step: Pick<Step, "env">, name: string): string | undefined | Unknown {
    if (!isKnown(step.env)) {
        return UNKNOWN;
    }
    const value = step.env.get(name);
    if (!isKnown(value)) {
        return UNKNOWN;
    }
    return value !== undefined && value !== "" ? value : undefined;
}

/** The cluster's `primary` steps (PGC_STEP=primary); the program declares exactly one. */
export function primaryStepsOf(resources: readonly PolicyResource[]): Step[] {
    return commandStepsOf(resources).filter((s) => stepKind(s) === STEP_PRIMARY);
}

/**
 * The primary's node name, as the cluster's `primary` step names it (PGC_PRIMARY). UNKNOWN while
 * that cannot be told yet (the step's environment, or a command that may be the step, is unknown
 * during preview); undefined when no step names one, or more than one do (primary-is-a-node
 * reports either). Every other node is a standby.
 */
export function primaryNameOf(resources: readonly PolicyResource[]): string | undefined | Unknown {
    const steps = commandStepsOf(resources);
    const named = new Set<string>();
    for (const step of steps) {
        const kind = stepKind(step);
        if (!isKnown(kind)) {
            return UNKNOWN;
        }
        if (kind === STEP_PRIMARY) {
            const primary = stepValue(step, "PGC_PRIMARY");
            if (!isKnown(primary)) {
                return UNKNOWN;
            }
            named.add(primary ?? "");
        }
    }
    return named.size === 1 ? [...named][0] || undefined : undefined;
}

/**
 * Whether a step is a seed step that initializes the database cluster (PGC_STEP=seed,
 * PGC_ROLE=primary): the only place initdb runs, with the initdb options, pg_hba.conf and init
 * script it carries. UNKNOWN while its kind or role is not known yet.
 */
export function isInitializingSeed(step: Pick<Step, "env">): boolean | Unknown {
    const kind = stepKind(step);
    if (!isKnown(kind)) {
        return UNKNOWN;
    }
    if (kind !== STEP_SEED) {
        return false;
    }
    const role = stepValue(step, "PGC_ROLE");
    return isKnown(role) ? role === SEED_ROLE_PRIMARY : UNKNOWN;
}

/** A command's environment alone, for resource rules over command steps. */
export function stepEnvOf(props: Record<string, any>): Pick<Step, "env"> {
    return { env: readStringMap(() => props.environment) };
}

/** Whether `dependent` waits for `dependency`, directly or through other resources. */
export function dependsOn(dependent: PolicyResource, dependency: PolicyResource): boolean {
    const seen = new Set<string>();
    const pending = [...dependent.dependencies];
    while (pending.length > 0) {
        const next = pending.pop()!;
        if (next.urn === dependency.urn) {
            return true;
        }
        if (!seen.has(next.urn)) {
            seen.add(next.urn);
            pending.push(...next.dependencies);
        }
    }
    return false;
}

export function listNodes(nodes: readonly string[]): string {
    return [...nodes].sort().join(", ");
}
