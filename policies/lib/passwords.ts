// Spotting passwords written out in plain text: in environment variables, server arguments and the
// shell scripts of command resources. Messages never repeat the value found.

import { SECRETS_END_MARKER } from "./types";

/**
 * Variable or setting names that hold a password ("PGPASSWORD", "password" in a conninfo …), and
 * names that end in a PASS word (postgres_exporter's DATA_SOURCE_PASS).
 */
export function isPasswordName(name: string): boolean {
    const n = name.toUpperCase();
    return (/PASSW(OR)?D/.test(n) || /(^|_)PASS$/.test(n)) && !NOT_A_PASSWORD.test(n);
}

// Names that mention a password but hold none: where it is (…_FILE), how it is made or hashed.
const NOT_A_PASSWORD = /(^|_)(FILE|PATH|LENGTH|LEN|BYTES|ENCRYPTION)$/;

/**
 * A value counts as written out unless it is empty or taken from elsewhere at run time: a shell
 * expansion ($VAR, "$(cat …)"), a psql variable (:'pw'), a printf conversion filled from an
 * argument (`printf 'password=%s' "$pw"`, as the program's shell library builds a conninfo) or
 * a SCRAM/MD5 verifier (already hashed).
 */
function isLiteralSecret(value: string): boolean {
    const v = value.replace(/^["']/, "");
    return v !== "" && !v.startsWith("$") && !v.startsWith(":") && !PRINTF_CONVERSION.test(v) &&
        !/^(SCRAM-SHA-256\$|md5[0-9a-f]{32})/.test(v);
}

/** The whole value is one printf conversion of a string argument: %s, %b, %q, %1$s, %-20s. */
const PRINTF_CONVERSION = /^%(\d+\$)?[-+ #0]*\d*(\.\d+)?[sbq]$/;

/**
 * Describes (without the value) the first plaintext password in a piece of text, or undefined:
 * `NAME=value` assignments and conninfo `password=value`, SQL `PASSWORD 'value'`, and
 * `postgresql://user:value@host` URIs.
 */
export function findPlaintextPassword(text: string): string | undefined {
    for (const m of text.matchAll(/([A-Za-z0-9_]*PASSW(?:OR)?D[A-Za-z0-9_]*)[ \t]*=[ \t]*(["']?[^\s"';&|)]*)/gi)) {
        if (isPasswordName(m[1]) && isLiteralSecret(m[2])) {
            return `${m[1]}=…`;
        }
    }
    for (const m of text.matchAll(/\bPASSWORD\s+(E?'[^']*'|"[^"]*")/gi)) {
        if (isLiteralSecret(m[1].replace(/^E/, "").slice(1, -1))) {
            return "PASSWORD '…'";
        }
    }
    for (const m of text.matchAll(/\bpostgres(?:ql)?:\/\/[^:/\s@]+:([^@\s]+)@/gi)) {
        if (isLiteralSecret(m[1])) {
            return "postgresql://user:…@";
        }
    }
    // A configuration file in JSON (Patroni's and etcd's YAML as the program writes it).
    for (const m of text.matchAll(/"([A-Za-z0-9_-]*passw(?:or)?d[A-Za-z0-9_-]*)"\s*:\s*"((?:[^"\\]|\\.)*)"/gi)) {
        if (isPasswordName(m[1].replace(/-/g, "_")) && isLiteralSecret(m[2])) {
            return `"${m[1]}": "…"`;
        }
    }
    return undefined;
}

/** Secret values shorter than this are not searched for elsewhere (too many false matches). */
export const MIN_SECRET_LENGTH = 8;

/**
 * The secrets of a step's stdin, each at least MIN_SECRET_LENGTH long. A line is one (a step
 * takes one password a line), but for those of PEM armour (`-----BEGIN …-----`, `-----END …-----`)
 * and of PEM certificates: a conf step takes the signing CA's key and certificate on stdin, the
 * certificate is public (it is in the CA bundle every node and client gets) and the armour is in
 * the scripts that split the two. A member-conf step's stdin starts with a secrets file, up to
 * the line SECRETS_END_MARKER (which its script holds, and is no secret): in JSON, its secrets
 * are the values of its password keys (the rest, `{`, `"restapi": {` …, is in the member's
 * configuration too); a secrets file that is not JSON counts line by line.
 */
export function secretStdinLines(stdin: string): string[] {
    const lines = stdin.split(/\r?\n/);
    const marker = lines.findIndex((l) => l.trim() === SECRETS_END_MARKER);
    if (marker < 0) {
        return secretLines(lines);
    }
    return [...secretsFileValues(lines.slice(0, marker)), ...secretLines(lines.slice(marker + 1))];
}

function secretsFileValues(lines: readonly string[]): string[] {
    const text = lines.join("\n");
    if (text.trim() === "") {
        return [];
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        return secretLines(lines);
    }
    const secrets: string[] = [];
    const walk = (value: unknown, key: string | undefined) => {
        if (Array.isArray(value)) {
            value.forEach((v) => walk(v, key));
        } else if (value !== null && typeof value === "object") {
            for (const [k, v] of Object.entries(value)) {
                walk(v, k);
            }
        } else if (typeof value === "string" && key !== undefined && isPasswordName(key.replace(/-/g, "_")) &&
            value.trim().length >= MIN_SECRET_LENGTH) {
            secrets.push(value.trim());
        }
    };
    walk(parsed, undefined);
    return secrets;
}

function secretLines(lines: readonly string[]): string[] {
    const secrets: string[] = [];
    let inCertificate = false;
    for (const raw of lines) {
        const line = raw.trim();
        const armour = /^-----(BEGIN|END) ([A-Z0-9 ]+)-----$/.exec(line);
        if (armour) {
            inCertificate = armour[1] === "BEGIN" && / ?CERTIFICATE$/.test(armour[2]) && !/REQUEST/.test(armour[2]);
            continue;
        }
        if (!inCertificate && line.length >= MIN_SECRET_LENGTH) {
            secrets.push(line);
        }
    }
    return secrets;
}
