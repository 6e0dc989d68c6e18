// Views of a docker:index/container:Container's props, shared by the rules.

import { ResourceValidationArgs } from "@pulumi/policy";
import { parseServerSettings, ServerSettings } from "./settings";
import { CONTAINER, DEFAULT_PGDATA, HA_MEMBER_ETCD, HA_MEMBER_PATRONI, LABEL_HA_MEMBER, LABEL_MONITORING, LABEL_NODE } from "./types";
import { isKnown, read, readArray, readString, Unknown, UNKNOWN } from "./values";

type Props = Record<string, any>;

/**
 * The labels of a docker resource (`labels: [{label, value}]`). A label whose value is not known
 * yet reads as UNKNOWN; so does every label not found when the list, or one of its entries' names,
 * is not known yet (the label could be among them).
 */
export class Labels {
    constructor(private readonly entries: ReadonlyMap<string, string | Unknown>, private readonly complete: boolean) {}

    /** The label's value; undefined when it is surely not set; UNKNOWN when that cannot be told yet. */
    get(label: string): string | undefined | Unknown {
        if (this.entries.has(label)) {
            return this.entries.get(label)!;
        }
        return this.complete ? undefined : UNKNOWN;
    }

    /** Whether the label is set (whatever its value); UNKNOWN when that cannot be told yet. */
    has(label: string): boolean | Unknown {
        if (this.entries.has(label)) {
            return true;
        }
        return this.complete ? false : UNKNOWN;
    }
}

export function labelsOf(props: Props): Labels {
    const labels = new Map<string, string | Unknown>();
    const items = readArray(() => props.labels);
    if (!isKnown(items)) {
        return new Labels(labels, false);
    }
    let complete = true;
    for (const item of items) {
        if (!isKnown(item)) {
            complete = false;
            continue;
        }
        if (item === null || typeof item !== "object") {
            continue;
        }
        const entry = item as Props;
        const label = readString(() => entry.label);
        if (!isKnown(label)) {
            complete = false;
            continue;
        }
        const value = readString(() => entry.value);
        if (typeof label === "string" && (typeof value === "string" || !isKnown(value))) {
            labels.set(label, value);
        }
    }
    return new Labels(labels, complete);
}

/** The container's argv as strings, or UNKNOWN when any part of it is not known yet. */
export function commandOf(props: Props): string[] | undefined | Unknown {
    const items = readArray(() => props.command);
    if (!isKnown(items)) {
        return UNKNOWN;
    }
    if (read(() => props.command) === undefined) {
        return undefined;
    }
    const args: string[] = [];
    for (const item of items) {
        if (!isKnown(item)) {
            return UNKNOWN;
        }
        args.push(String(item));
    }
    return args;
}

/** Server settings from the command line, or UNKNOWN when the command is not known yet. */
export function settingsOf(props: Props): ServerSettings | Unknown {
    const args = commandOf(props);
    if (!isKnown(args)) {
        return UNKNOWN;
    }
    return parseServerSettings(args ?? []);
}

export interface EnvVar {
    name: string;
    value: string;
}

/** `envs: ["KEY=value", …]`; an entry not known yet is left out. */
export function envOf(props: Props): EnvVar[] {
    const items = readArray(() => props.envs);
    if (!isKnown(items)) {
        return [];
    }
    const vars: EnvVar[] = [];
    for (const item of items) {
        if (typeof item === "string") {
            vars.push(parseEnvEntry(item));
        }
    }
    return vars;
}

function parseEnvEntry(entry: string): EnvVar {
    const eq = entry.indexOf("=");
    return eq < 0 ? { name: entry, value: "" } : { name: entry.slice(0, eq), value: entry.slice(eq + 1) };
}

/**
 * The value of an environment variable (the last entry wins, as in Docker); undefined when it is
 * surely not set; UNKNOWN when the list, or an entry that could set it, is not known yet.
 */
export function envValue(props: Props, name: string): string | undefined | Unknown {
    const items = readArray(() => props.envs);
    if (!isKnown(items)) {
        return UNKNOWN;
    }
    let found: string | undefined | Unknown;
    for (const item of items) {
        if (!isKnown(item)) {
            found = UNKNOWN;
        } else if (typeof item === "string") {
            const v = parseEnvEntry(item);
            if (v.name === name) {
                found = v.value;
            }
        }
    }
    return found;
}

/** PGDATA, else the image's default; UNKNOWN when the container's environment is not known yet. */
export function pgdataOf(props: Props): string | Unknown {
    const pgdata = envValue(props, "PGDATA");
    if (!isKnown(pgdata)) {
        return UNKNOWN;
    }
    return pgdata || DEFAULT_PGDATA;
}

export interface Upload {
    file: string;
    content: string;
}

/** Files copied into the container (`uploads: [{file, content | contentBase64}]`) whose text is known. */
export function uploadsOf(props: Props): Upload[] {
    const items = readArray(() => props.uploads);
    if (!isKnown(items)) {
        return [];
    }
    const uploads: Upload[] = [];
    for (const item of items) {
        if (!isKnown(item) || item === null || typeof item !== "object") {
            continue;
        }
        const entry = item as Props;
        const file = readString(() => entry.file);
        const content = readString(() => entry.content);
        const base64 = readString(() => entry.contentBase64);
        if (typeof file !== "string") {
            continue;
        }
        if (typeof content === "string") {
            uploads.push({ file, content });
        } else if (typeof base64 === "string") {
            uploads.push({ file, content: Buffer.from(base64, "base64").toString("utf8") });
        }
    }
    return uploads;
}

export type HaMemberKind = typeof HA_MEMBER_PATRONI | typeof HA_MEMBER_ETCD;

/** The program's name of the first element of an argv (`/usr/bin/etcd` → `etcd`). */
function programOf(args: readonly string[] | undefined): string | undefined {
    return args !== undefined && args.length > 0 ? args[0].split("/").pop() : undefined;
}

/**
 * What an `ha: patroni` container is: a Patroni member (a PostgreSQL node that Patroni runs) or an
 * etcd member (the DCS, no node), told by its `pg-cluster.ha-member` label, else by the program
 * it runs (its entrypoint, else its command: `patroni`, `etcd`). undefined for any other
 * container; UNKNOWN while its labels or entrypoint are not known yet (the program declares both
 * as constants, known during preview).
 */
export function haMemberKind(props: Props): HaMemberKind | undefined | Unknown {
    const label = labelsOf(props).get(LABEL_HA_MEMBER);
    if (label === HA_MEMBER_PATRONI || label === HA_MEMBER_ETCD) {
        return label;
    }
    const entrypoints = readArray(() => props.entrypoints);
    if (!isKnown(entrypoints) || entrypoints.some((e) => !isKnown(e))) {
        return UNKNOWN;
    }
    const entrypoint = programOf(entrypoints.map((e) => String(e)));
    let program = entrypoint;
    if (entrypoint === undefined) {
        // The program's commands are constants; one unknown (a test's preview) is taken for a node's.
        const args = commandOf(props);
        program = isKnown(args) ? programOf(args) : undefined;
    }
    if (program === HA_MEMBER_PATRONI || program === HA_MEMBER_ETCD) {
        return program;
    }
    return isKnown(label) ? undefined : UNKNOWN;
}

/**
 * A PostgreSQL node of the cluster: a container labelled with a pg-cluster node name, or one whose
 * command starts the server (so an unlabelled PostgreSQL container is not silently skipped).
 * Nodes carry no role; which one is the primary is the cluster's `primary` step's business.
 * A monitoring container (labelled `pg-cluster.monitoring`, no node label) is not a node, nor is
 * an etcd member of `ha: patroni` (the program labels it with `pg-cluster.node` too); a Patroni
 * member is one. UNKNOWN when that cannot be told yet: no known node or monitoring label and a
 * command not known yet, or a node label on a container that may still be an etcd member.
 */
export function isDatabaseContainer(type: string, props: Props): boolean | Unknown {
    if (type !== CONTAINER) {
        return false;
    }
    const labelled = labelsOf(props).has(LABEL_NODE);
    if (labelled === true) {
        const member = haMemberKind(props);
        return member === HA_MEMBER_ETCD ? false : isKnown(member) ? true : UNKNOWN;
    }
    const args = commandOf(props);
    if (isKnown(args) && args !== undefined && args.length > 0) {
        const program = args[0].split("/").pop();
        if (program === "postgres" || program === "postgres.sh") {
            return true;
        }
    }
    if (labelled === false && isKnown(args)) {
        return false;
    }
    // An exporter or Prometheus says so in its labels, known during preview even where its
    // command would not be.
    const monitoring = labelsOf(props).get(LABEL_MONITORING);
    return labelled === false && typeof monitoring === "string" && monitoring !== "" ? false : UNKNOWN;
}

/**
 * A monitoring container (an exporter or Prometheus): labelled `pg-cluster.monitoring` with a
 * kind. UNKNOWN while its labels are not known yet.
 */
export function isMonitoringContainer(type: string, props: Props): boolean | Unknown {
    if (type !== CONTAINER) {
        return false;
    }
    const kind = labelsOf(props).get(LABEL_MONITORING);
    if (!isKnown(kind)) {
        return UNKNOWN;
    }
    return typeof kind === "string" && kind !== "";
}

/**
 * For resource rules: the props of a database container, else the rule is not applicable. A
 * container that cannot be told to be one yet (during preview) is skipped the same way; the rule
 * decides during the update, when its inputs are known.
 */
export function databaseContainer(args: ResourceValidationArgs): Props {
    if (args.type !== CONTAINER) {
        return args.notApplicable(`applies to ${CONTAINER} resources only`);
    }
    const database = isDatabaseContainer(args.type, args.props);
    if (database === UNKNOWN) {
        return args.notApplicable("cannot tell yet whether this is a PostgreSQL node (its labels and command are unknown during preview)");
    }
    if (!database) {
        return args.notApplicable("not a PostgreSQL node (no pg-cluster.node label and the command does not start postgres)");
    }
    return args.props;
}

/** A path equals or lies below a mount point. */
export function isAtOrBelow(path: string, mountPoint: string): boolean {
    const trim = (p: string) => (p.length > 1 ? p.replace(/\/+$/, "") : p);
    const p = trim(path);
    const m = trim(mountPoint);
    return p === m || m === "/" || p.startsWith(m + "/");
}

export interface DataMount {
    containerPath: string;
    /** Named docker volume, when the mount is one. */
    volumeName?: string;
    /** Host directory, when the mount is a bind mount. */
    hostPath?: string;
}

/**
 * The mount that holds the data directory: the deepest `volumes`/`mounts` entry whose container
 * path is PGDATA or one of its parents. UNKNOWN when a candidate entry is not known yet.
 */
export function dataMountOf(props: Props, pgdata: string): DataMount | undefined | Unknown {
    const candidates: DataMount[] = [];
    const volumes = readArray(() => props.volumes);
    const mounts = readArray(() => props.mounts);
    if (!isKnown(volumes) || !isKnown(mounts)) {
        return UNKNOWN;
    }
    for (const item of volumes) {
        if (!isKnown(item)) {
            return UNKNOWN;
        }
        if (item === null || typeof item !== "object") {
            continue;
        }
        const v = item as Props;
        const containerPath = readString(() => v.containerPath);
        const volumeName = readString(() => v.volumeName);
        const hostPath = readString(() => v.hostPath);
        if (!isKnown(containerPath) || !isKnown(volumeName) || !isKnown(hostPath)) {
            return UNKNOWN;
        }
        if (containerPath !== undefined && isAtOrBelow(pgdata, containerPath)) {
            candidates.push({ containerPath, volumeName: volumeName || undefined, hostPath: hostPath || undefined });
        }
    }
    for (const item of mounts) {
        if (!isKnown(item)) {
            return UNKNOWN;
        }
        if (item === null || typeof item !== "object") {
            continue;
        }
        const m = item as Props;
        const target = readString(() => m.target);
        const source = readString(() => m.source);
        const type = readString(() => m.type);
        if (!isKnown(target) || !isKnown(source) || !isKnown(type)) {
            return UNKNOWN;
        }
        if (target !== undefined && isAtOrBelow(pgdata, target)) {
            candidates.push({
                containerPath: target,
                volumeName: type === "volume" && source ? source : undefined,
                hostPath: type === "bind" ? source || "(unset)" : undefined,
            });
        }
    }
    if (candidates.length === 0) {
        return undefined;
    }
    return candidates.reduce((deepest, c) => (c.containerPath.length > deepest.containerPath.length ? c : deepest));
}
