// A model of the cluster built from a stack's resources, for the stack rules.

import { PolicyResource } from "@pulumi/policy";
import { isDatabaseContainer, labelsOf, settingsOf } from "./container";
import { ServerSettings } from "./settings";
import { COMMAND, LABEL_ENVIRONMENT, LABEL_NODE, LABEL_ROLE } from "./types";
import { readString, readStringMap, Unknown } from "./values";

export interface PgNode {
    resource: PolicyResource;
    /** `pg-cluster.node` label, else the container's name, else the resource name. */
    node: string;
    role?: string;
    environment?: string;
    settings: ServerSettings | Unknown;
}

export function nodesOf(resources: readonly PolicyResource[]): PgNode[] {
    return resources
        .filter((r) => isDatabaseContainer(r.type, r.props))
        .map((r) => {
            const labels = labelsOf(r.props);
            const containerName = readString(() => r.props.name);
            return {
                resource: r,
                node: labels.get(LABEL_NODE) ?? (typeof containerName === "string" ? containerName : r.name),
                role: labels.get(LABEL_ROLE),
                environment: labels.get(LABEL_ENVIRONMENT),
                settings: settingsOf(r.props),
            };
        });
}

export interface Step {
    resource: PolicyResource;
    env: Map<string, string | Unknown>;
}

/** command:local:Command resources whose `environment.PGC_STEP` is `kind`. */
export function stepsOf(resources: readonly PolicyResource[], kind: string): Step[] {
    return resources
        .filter((r) => r.type === COMMAND)
        .map((r) => ({ resource: r, env: readStringMap(() => r.props.environment) }))
        .filter((s) => s.env.get("PGC_STEP") === kind);
}

/** A known, non-empty string value of a step's environment. */
export function stepVar(step: Step, name: string): string | undefined {
    const value = step.env.get(name);
    return typeof value === "string" && value !== "" ? value : undefined;
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
