// `ha: patroni`: reading the configurations the program hands Patroni and etcd (JSON, which both
// read as YAML), and what Patroni 4.0 makes of them. A Patroni member's container runs `patroni`
// with no `postgres -c` settings: Patroni starts the server with the parameters of the dynamic
// configuration kept in the DCS (written from `bootstrap.dcs` of the member that makes the
// cluster, then set by the dcs-config step's PATCH /config), over which the member's own
// `postgresql.parameters` win, except for the settings Patroni passes on the command line itself.

import { parsePgBool, parsePgInteger, parsePgSizeMb, ServerSettings } from "./settings";

export type ConfigObject = Record<string, unknown>;

/** A configuration text that is not JSON: the pack cannot read YAML beyond JSON. */
export const UNREADABLE: unique symbol = Symbol("not JSON");
export type Unreadable = typeof UNREADABLE;

/**
 * A configuration file's text as an object: JSON after any leading `#` comment lines (the program
 * heads a Patroni member's with one). UNREADABLE when it is not a JSON object.
 */
export function parseConfigText(text: string): ConfigObject | Unreadable {
    const lines = text.split(/\r?\n/);
    let first = 0;
    while (first < lines.length && (lines[first].trim() === "" || lines[first].trim().startsWith("#"))) {
        first++;
    }
    try {
        const value: unknown = JSON.parse(lines.slice(first).join("\n"));
        return isObject(value) ? value : UNREADABLE;
    } catch {
        return UNREADABLE;
    }
}

export function isObject(value: unknown): value is ConfigObject {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The object at a path of keys, or undefined. */
export function objectAt(config: ConfigObject | undefined, ...path: string[]): ConfigObject | undefined {
    let at: unknown = config;
    for (const key of path) {
        at = isObject(at) ? at[key] : undefined;
    }
    return isObject(at) ? at : undefined;
}

/** A non-empty string (or number) value of an object, as text; undefined otherwise. */
export function textAt(config: ConfigObject | undefined, key: string): string | undefined {
    const value = config?.[key];
    if (typeof value === "number") {
        return String(value);
    }
    return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** A Patroni member's configuration (it has a `postgresql`, `bootstrap` or `restapi` section), not an etcd member's. */
export function isPatroniConfig(config: ConfigObject): boolean {
    return ["postgresql", "bootstrap", "restapi", "scope"].some((key) => key in config);
}

/** An etcd member's configuration (`etcd --config-file`). */
export function isEtcdConfig(config: ConfigObject): boolean {
    return ["initial-cluster", "listen-client-urls", "listen-peer-urls", "client-transport-security", "data-dir"]
        .some((key) => key in config);
}

/** `bootstrap.dcs` of a Patroni member's configuration: the DCS configuration of a cluster it makes. */
export function bootstrapDcsOf(member: ConfigObject | undefined): ConfigObject | undefined {
    return objectAt(member, "bootstrap", "dcs");
}

/**
 * How Patroni writes a parameter value it reads from YAML: booleans as on/off, numbers as they
 * are; anything else (a list, an object) is not a server setting.
 */
function parameterText(value: unknown): string | undefined {
    if (typeof value === "boolean") {
        return value ? "on" : "off";
    }
    if (typeof value === "number" || typeof value === "string") {
        return String(value);
    }
    return undefined;
}

/**
 * The parameters Patroni passes on postgres's command line itself (ConfigHandler.CMDLINE_OPTIONS
 * of Patroni 4.0) that the rules read: taken from the DCS only (a member's own
 * `postgresql.parameters` cannot set them), with Patroni's own value where the DCS gives none or
 * one Patroni refuses (it logs a warning and uses its value).
 */
const PATRONI_CMDLINE: Readonly<Record<string, { value: string; accepts: (v: string) => boolean }>> = {
    wal_level: { value: "replica", accepts: (v) => ["hot_standby", "replica", "logical"].includes(v.trim().toLowerCase()) },
    hot_standby: { value: "on", accepts: (v) => parsePgBool(v) === true },
    max_connections: { value: "100", accepts: (v) => (parsePgInteger(v) ?? 0) >= 25 },
    max_wal_senders: { value: "10", accepts: (v) => (parsePgInteger(v) ?? 0) >= 3 },
    wal_keep_size: { value: "128MB", accepts: (v) => (parsePgSizeMb(v) ?? 0) >= 16 },
    max_prepared_transactions: { value: "0", accepts: (v) => (parsePgInteger(v) ?? -1) >= 0 },
    max_locks_per_transaction: { value: "64", accepts: (v) => (parsePgInteger(v) ?? 0) >= 32 },
    track_commit_timestamp: { value: "off", accepts: (v) => parsePgBool(v) !== undefined },
    max_replication_slots: { value: "10", accepts: (v) => (parsePgInteger(v) ?? 0) >= 4 },
    max_worker_processes: { value: "8", accepts: (v) => (parsePgInteger(v) ?? 0) >= 2 },
    wal_log_hints: { value: "on", accepts: (v) => parsePgBool(v) !== undefined },
};
/** Set by Patroni from its own configuration (`postgresql.listen`, `scope`), never from parameters. */
const PATRONI_OWN = new Set(["listen_addresses", "port", "cluster_name"]);

function settingName(name: string): string {
    return name.trim().toLowerCase();
}

/**
 * Whether a DCS configuration has Patroni manage synchronous replication: `synchronous_mode`
 * true (or on, yes) or `quorum`. Patroni's default is off.
 */
export function synchronousModeOf(dcs: ConfigObject | undefined): boolean {
    const mode = dcs?.synchronous_mode;
    if (typeof mode === "boolean") {
        return mode;
    }
    if (typeof mode === "string") {
        return mode.trim().toLowerCase() === "quorum" || parsePgBool(mode) === true;
    }
    return false;
}

/** `synchronous_node_count` (Patroni's default 1); undefined when it is not a whole number. */
export function synchronousNodeCountOf(dcs: ConfigObject | undefined): number | undefined {
    const raw = dcs?.synchronous_node_count;
    if (raw === undefined || raw === null) {
        return 1;
    }
    const count = parsePgInteger(String(raw));
    return count !== undefined && count >= 1 ? count : undefined;
}

/** A boolean of the DCS's `postgresql` section (use_slots, use_pg_rewind), with Patroni's default. */
export function dcsPostgresqlFlag(dcs: ConfigObject | undefined, name: "use_slots" | "use_pg_rewind"): boolean {
    const raw = objectAt(dcs, "postgresql")?.[name];
    if (raw === undefined || raw === null) {
        // Patroni's defaults: slots yes, pg_rewind no.
        return name === "use_slots";
    }
    return typeof raw === "boolean" ? raw : parsePgBool(String(raw)) === true;
}

/**
 * The settings a Patroni member's server runs with: Patroni's values for the settings it passes on
 * the command line, the DCS configuration's `postgresql.parameters` (those command-line ones only
 * when Patroni accepts them), then the member's own `postgresql.parameters` (but not those).
 * With synchronous mode on, Patroni sets synchronous_standby_names itself, so it is left out.
 */
export function patroniServerSettings(dcs: ConfigObject | undefined, member: ConfigObject | undefined): ServerSettings {
    const settings: ServerSettings = new Map();
    for (const [name, { value }] of Object.entries(PATRONI_CMDLINE)) {
        settings.set(name, value);
    }
    for (const [raw, value] of Object.entries(objectAt(dcs, "postgresql", "parameters") ?? {})) {
        const name = settingName(raw);
        const text = parameterText(value);
        if (text === undefined || PATRONI_OWN.has(name)) {
            continue;
        }
        const cmdline = PATRONI_CMDLINE[name];
        if (cmdline === undefined) {
            settings.set(name, text);
        } else if (cmdline.accepts(text)) {
            settings.set(name, name === "wal_level" && text.trim().toLowerCase() === "hot_standby" ? "replica" : text);
        }
    }
    for (const [raw, value] of Object.entries(objectAt(member, "postgresql", "parameters") ?? {})) {
        const name = settingName(raw);
        const text = parameterText(value);
        if (text !== undefined && !PATRONI_OWN.has(name) && PATRONI_CMDLINE[name] === undefined) {
            settings.set(name, text);
        }
    }
    if (synchronousModeOf(dcs)) {
        settings.delete("synchronous_standby_names");
    }
    return settings;
}

/**
 * `bootstrap.initdb` of a Patroni member's configuration as initdb options: `data-checksums` →
 * `--data-checksums`, `{auth-host: scram-sha-256}` → `--auth-host=scram-sha-256`.
 */
export function initdbOptionsOf(member: ConfigObject | undefined): string {
    const items = objectAt(member, "bootstrap")?.initdb;
    const options: string[] = [];
    const list = Array.isArray(items) ? items : isObject(items) ? [items] : [];
    for (const item of list) {
        if (typeof item === "string") {
            options.push(`--${item.trim()}`);
        } else if (isObject(item)) {
            for (const [name, value] of Object.entries(item)) {
                const text = value === true ? undefined : parameterText(value);
                options.push(text === undefined ? `--${name}` : `--${name}=${text}`);
            }
        }
    }
    return options.join(" ");
}

/** A canonical text of a JSON value (keys sorted), to tell whether two configurations say the same. */
export function canonicalJson(value: unknown): string {
    if (Array.isArray(value)) {
        return `[${value.map(canonicalJson).join(",")}]`;
    }
    if (isObject(value)) {
        return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
    }
    return JSON.stringify(value) ?? "null";
}
