// Views of a docker:index/container:Container's props, shared by the rules.

import { ResourceValidationArgs } from "@pulumi/policy";
import { parseServerSettings, ServerSettings } from "./settings";
import { CONTAINER, DEFAULT_PGDATA, LABEL_ROLE } from "./types";
import { isKnown, read, readArray, readString, Unknown, UNKNOWN } from "./values";

type Props = Record<string, any>;

/** Known labels of a docker resource (`labels: [{label, value}]`). */
export function labelsOf(props: Props): Map<string, string> {
    const labels = new Map<string, string>();
    const items = readArray(() => props.labels);
    if (!isKnown(items)) {
        return labels;
    }
    for (const item of items) {
        if (!isKnown(item) || item === null || typeof item !== "object") {
            continue;
        }
        const entry = item as Props;
        const label = readString(() => entry.label);
        const value = readString(() => entry.value);
        if (typeof label === "string" && typeof value === "string") {
            labels.set(label, value);
        }
    }
    return labels;
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
        if (typeof item !== "string") {
            continue;
        }
        const eq = item.indexOf("=");
        vars.push(eq < 0 ? { name: item, value: "" } : { name: item.slice(0, eq), value: item.slice(eq + 1) });
    }
    return vars;
}

export function envValue(props: Props, name: string): string | undefined {
    let found: string | undefined;
    for (const v of envOf(props)) {
        if (v.name === name) {
            found = v.value;
        }
    }
    return found;
}

export function pgdataOf(props: Props): string {
    return envValue(props, "PGDATA") || DEFAULT_PGDATA;
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

/**
 * A PostgreSQL node of the cluster: a container labelled with a pg-cluster role, or one whose
 * command starts the server (so an unlabelled PostgreSQL container is not silently skipped).
 */
export function isDatabaseContainer(type: string, props: Props): boolean {
    if (type !== CONTAINER) {
        return false;
    }
    if (labelsOf(props).has(LABEL_ROLE)) {
        return true;
    }
    const args = commandOf(props);
    if (!isKnown(args) || args === undefined || args.length === 0) {
        return false;
    }
    const program = args[0].split("/").pop();
    return program === "postgres" || program === "postgres.sh";
}

/** For resource rules: the props of a database container, else the rule is not applicable. */
export function databaseContainer(args: ResourceValidationArgs): Props {
    if (args.type !== CONTAINER) {
        return args.notApplicable(`applies to ${CONTAINER} resources only`);
    }
    if (!isDatabaseContainer(args.type, args.props)) {
        return args.notApplicable("not a PostgreSQL node (no pg-cluster.role label and the command does not start postgres)");
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
