// A model of the cluster built from a stack's resources, for the stack rules.

import { PolicyResource } from "@pulumi/policy";
import { haMemberKind, isDatabaseContainer, labelsOf, settingsOf } from "./container";
import {
    bootstrapDcsOf, canonicalJson, ConfigObject, isPatroniConfig, parseConfigText, patroniServerSettings, Unreadable, UNREADABLE,
} from "./patroni";
import { ServerSettings } from "./settings";
import {
    COMMAND, CONTAINER, ENVIRONMENT_PRODUCTION, HA_MEMBER_ETCD, HA_MEMBER_PATRONI, LABEL_ENVIRONMENT, LABEL_NODE, SEED_ROLE_PRIMARY,
    STEP_DCS_CONFIG, STEP_MEMBER_CONF, STEP_PRIMARY, STEP_SEED,
} from "./types";
import { isKnown, readString, readStringMap, Unknown, UNKNOWN } from "./values";

export interface PgNode {
    resource: PolicyResource;
    /** For messages: `pg-cluster.node` label, else the container's name, else the resource name. */
    node: string;
    /** The same name for matching (steps, standby names); UNKNOWN while a value it comes from is unknown. */
    name: string | Unknown;
    /** `pg-cluster.environment`; UNKNOWN while not known yet. */
    environment: string | undefined | Unknown;
    /**
     * The settings the server runs with (the first of `views`); UNKNOWN while they cannot be told
     * yet (during preview: the command, or a Patroni member's configuration steps).
     */
    settings: ServerSettings | Unknown;
    /** Run by Patroni (`ha: patroni`): its settings come from its configuration, not its command. */
    patroni: boolean;
    /**
     * Every place the node's settings are declared, each with what it says: one for a node whose
     * command carries them; for a Patroni member the DCS configuration (the dcs-config step) and
     * `bootstrap.dcs` of its own configuration (its member-conf step), each with its own
     * `postgresql.parameters` over it; one of them when both say the same. Empty while unknown.
     */
    views: SettingsView[];
}

/** A node's settings as one place declares them. */
export interface SettingsView {
    settings: ServerSettings;
    /** For messages after the node's name: "" for a container's command, else where (starting with " ("). */
    where: string;
    /** A Patroni member's: the DCS configuration this view reads (synchronous mode, slots, pg_rewind). */
    dcs?: ConfigObject;
    /** A Patroni member's: its configuration (PGC_CONFIG of its member-conf step), when known. */
    member?: ConfigObject;
}

function nodeNames(r: PolicyResource): { node: string; name: string | Unknown } {
    const label = labelsOf(r.props).get(LABEL_NODE);
    const containerName = readString(() => r.props.name);
    const fallback = typeof containerName === "string" ? containerName : r.name;
    if (label === undefined) {
        return { node: fallback, name: isKnown(containerName) ? fallback : UNKNOWN };
    }
    return { node: typeof label === "string" ? label : fallback, name: label };
}

/** The stack's PostgreSQL nodes: containers known to be ones (see undecidedContainersOf for the rest). */
export function nodesOf(resources: readonly PolicyResource[]): PgNode[] {
    return resources
        .filter((r) => isDatabaseContainer(r.type, r.props) === true)
        .map((r) => {
            const { node, name } = nodeNames(r);
            const patroni = haMemberKind(r.props) === HA_MEMBER_PATRONI;
            let views: SettingsView[] | Unknown;
            if (patroni) {
                views = patroniViewsOf(resources, name);
            } else {
                const settings = settingsOf(r.props);
                views = isKnown(settings) ? [{ settings, where: "" }] : UNKNOWN;
            }
            return {
                resource: r,
                node,
                name,
                environment: labelsOf(r.props).get(LABEL_ENVIRONMENT),
                settings: isKnown(views) && views.length > 0 ? views[0].settings : UNKNOWN,
                patroni,
                views: isKnown(views) ? views : [],
            };
        });
}

/** The etcd members of an `ha: patroni` stack: the DCS, not nodes. */
export interface EtcdMember {
    resource: PolicyResource;
    /** `pg-cluster.node` label (its member name, as the member-conf step's PGC_NODE), else the container's name. */
    node: string;
    name: string | Unknown;
}

export function etcdMembersOf(resources: readonly PolicyResource[]): EtcdMember[] {
    return resources
        .filter((r) => r.type === CONTAINER && haMemberKind(r.props) === HA_MEMBER_ETCD)
        .map((r) => ({ resource: r, ...nodeNames(r) }));
}

/** Containers that may still turn out to be an etcd member (their labels or entrypoint are not known yet). */
export function undecidedHaMembersOf(resources: readonly PolicyResource[]): PolicyResource[] {
    return resources.filter((r) => r.type === CONTAINER && !isKnown(haMemberKind(r.props)));
}

/**
 * A step's configuration text (PGC_CONFIG, PGC_DCS_CONFIG) as an object; undefined when it sets
 * none; UNREADABLE when it is not JSON; UNKNOWN while not known yet.
 */
export function stepConfig(step: Pick<Step, "env">, name: string): ConfigObject | Unreadable | undefined | Unknown {
    const text = stepValue(step, name);
    if (!isKnown(text) || text === undefined) {
        return text;
    }
    return parseConfigText(text);
}

/** The member-conf steps of a member (PGC_NODE); UNKNOWN while a command may still be one of them. */
export function memberConfStepsOf(resources: readonly PolicyResource[], name: string): Step[] | Unknown {
    const steps = commandStepsOf(resources);
    if (steps.some((s) => !isKnown(stepKind(s)))) {
        return UNKNOWN;
    }
    const memberConfs = steps.filter((s) => stepKind(s) === STEP_MEMBER_CONF);
    if (memberConfs.some((s) => !isKnown(stepValue(s, "PGC_NODE")))) {
        return UNKNOWN;
    }
    return memberConfs.filter((s) => stepValue(s, "PGC_NODE") === name);
}

/** The stack's dcs-config steps; UNKNOWN while a command may still be one. */
export function dcsConfigStepsOf(resources: readonly PolicyResource[]): Step[] | Unknown {
    const steps = commandStepsOf(resources);
    if (steps.some((s) => !isKnown(stepKind(s)))) {
        return UNKNOWN;
    }
    return steps.filter((s) => stepKind(s) === STEP_DCS_CONFIG);
}

/**
 * A Patroni member's settings, as the DCS configuration (the stack's one dcs-config step) and
 * `bootstrap.dcs` of its configuration (its one member-conf step) declare them. A configuration
 * that is missing or not JSON gives no view (patroni-control-plane-tls and
 * patroni-bounded-failover-lag report those); UNKNOWN while a step that may hold one is not known.
 */
function patroniViewsOf(resources: readonly PolicyResource[], name: string | Unknown): SettingsView[] | Unknown {
    if (!isKnown(name)) {
        return UNKNOWN;
    }
    const own = memberConfStepsOf(resources, name);
    const dcsSteps = dcsConfigStepsOf(resources);
    if (!isKnown(own) || !isKnown(dcsSteps)) {
        return UNKNOWN;
    }
    const memberConfig = own.length === 1 ? stepConfig(own[0], "PGC_CONFIG") : undefined;
    const dcsConfig = dcsSteps.length === 1 ? stepConfig(dcsSteps[0], "PGC_DCS_CONFIG") : undefined;
    if (!isKnown(memberConfig) || !isKnown(dcsConfig)) {
        return UNKNOWN;
    }
    const member = memberConfig !== undefined && memberConfig !== UNREADABLE && isPatroniConfig(memberConfig) ? memberConfig : undefined;
    const views: SettingsView[] = [];
    if (dcsConfig !== undefined && dcsConfig !== UNREADABLE) {
        views.push({
            settings: patroniServerSettings(dcsConfig, member),
            where: ` (in the DCS configuration, PGC_DCS_CONFIG of step ${dcsSteps[0].resource.name})`,
            dcs: dcsConfig,
            member,
        });
    }
    const bootstrap = bootstrapDcsOf(member);
    if (member !== undefined && (views.length === 0 || canonicalJson(bootstrap ?? {}) !== canonicalJson(views[0].dcs))) {
        views.push({
            settings: patroniServerSettings(bootstrap, member),
            where: ` (in bootstrap.dcs of its Patroni configuration, PGC_CONFIG of step ${own[0].resource.name})`,
            dcs: bootstrap,
            member,
        });
    }
    return views;
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
