// Reading PostgreSQL server settings from a container's `command` (the server's argv).

/**
 * Server settings given on the command line: `-c name=value`, `-cname=value` and `--name=value`.
 * Names are normalised the way the server does (case-insensitive, `-` equals `_`); a later
 * occurrence wins, as it does for the server.
 */
export type ServerSettings = Map<string, string>;

export function parseServerSettings(args: readonly string[]): ServerSettings {
    const settings: ServerSettings = new Map();
    const put = (assignment: string) => {
        const eq = assignment.indexOf("=");
        if (eq <= 0) {
            return;
        }
        const name = assignment.slice(0, eq).trim().toLowerCase().replace(/-/g, "_");
        settings.set(name, assignment.slice(eq + 1));
    };
    for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        if (arg === "-c" && i + 1 < args.length) {
            put(args[++i]);
        } else if (arg.startsWith("-c") && arg.length > 2) {
            put(arg.slice(2));
        } else if (arg.startsWith("--") && arg.includes("=")) {
            put(arg.slice(2));
        }
    }
    return settings;
}

/** Defaults of PostgreSQL 17 for the settings the rules read, used when a setting is not given. */
export const PG17_DEFAULTS: Readonly<Record<string, string>> = {
    wal_level: "replica",
    max_wal_senders: "10",
    max_replication_slots: "10",
    max_slot_wal_keep_size: "-1",
    hot_standby: "on",
    wal_log_hints: "off",
    password_encryption: "scram-sha-256",
    synchronous_commit: "on",
    synchronous_standby_names: "",
    ssl: "off",
    ssl_min_protocol_version: "TLSv1.2",
};

/** The value the server would run with: the command-line value, else the PostgreSQL 17 default. */
export function effectiveSetting(settings: ServerSettings, name: string): string {
    return settings.get(name) ?? PG17_DEFAULTS[name] ?? "";
}

/** PostgreSQL's boolean syntax (on/off, true/false, yes/no, 1/0 and unambiguous prefixes). */
export function parsePgBool(value: string): boolean | undefined {
    const v = value.trim().toLowerCase();
    if (v === "") {
        return undefined;
    }
    if (v === "on" || v === "1" || "true".startsWith(v) || "yes".startsWith(v)) {
        return true;
    }
    if (v === "of" || v === "off" || v === "0" || "false".startsWith(v) || "no".startsWith(v)) {
        return false;
    }
    return undefined;
}

export function parsePgInteger(value: string): number | undefined {
    const v = value.trim();
    return /^-?\d+$/.test(v) ? Number(v) : undefined;
}

const SIZE_UNITS_IN_MB: Readonly<Record<string, number>> = {
    B: 1 / (1024 * 1024),
    kB: 1 / 1024,
    MB: 1,
    GB: 1024,
    TB: 1024 * 1024,
};

/** A memory/size setting in MB (the unit of max_slot_wal_keep_size when none is given). */
export function parsePgSizeMb(value: string): number | undefined {
    const m = /^\s*(-?\d+(?:\.\d+)?)\s*(B|kB|MB|GB|TB)?\s*$/.exec(value);
    if (!m) {
        return undefined;
    }
    return Number(m[1]) * SIZE_UNITS_IN_MB[m[2] ?? "MB"];
}
