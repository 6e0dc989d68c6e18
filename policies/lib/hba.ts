// Finding pg_hba.conf rules in uploaded files: the pg_hba.conf itself and shell/SQL init scripts
// that write rules (echo "host …" >> pg_hba.conf, heredocs).

const CONNECTION_TYPES = new Set(["local", "host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc"]);
const AUTH_METHODS = new Set([
    "trust", "reject", "scram-sha-256", "md5", "password", "gss", "sspi", "ident", "peer",
    "ldap", "radius", "cert", "pam", "bsd", "oauth",
]);

export interface HbaRule {
    /** The line as written, trimmed. */
    text: string;
    type: string;
    databases: string[];
    users: string[];
    address?: string;
    mask?: string;
    method: string;
}

/**
 * Parses one line. Quotes and shell punctuation around the rule are ignored, so the same parser
 * reads pg_hba.conf lines and lines of scripts that write them. A line whose tokens do not end in
 * a known auth method is not a rule (this keeps `if [ "$x" = host ]` and prose out).
 */
export function parseHbaLine(line: string): HbaRule | undefined {
    const text = line.trim();
    if (text === "" || text.startsWith("#")) {
        return undefined;
    }
    const tokens = text.replace(/#.*$/, "").split(/[\s"'`]+/).filter((t) => t !== "");
    for (let i = 0; i < tokens.length; i++) {
        const type = tokens[i];
        if (!CONNECTION_TYPES.has(type)) {
            continue;
        }
        const databases = (tokens[i + 1] ?? "").split(",");
        const users = (tokens[i + 2] ?? "").split(",");
        if (type === "local") {
            const method = tokens[i + 3];
            if (method !== undefined && AUTH_METHODS.has(method)) {
                return { text, type, databases, users, method };
            }
            continue;
        }
        const address = tokens[i + 3];
        let method = tokens[i + 4];
        let mask: string | undefined;
        if (method !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(method)) {
            mask = method;
            method = tokens[i + 5];
        }
        if (address !== undefined && method !== undefined && AUTH_METHODS.has(method)) {
            return { text, type, databases, users, address, mask, method };
        }
    }
    return undefined;
}

export function hbaRulesIn(content: string): HbaRule[] {
    return content.split(/\r?\n/).map(parseHbaLine).filter((r): r is HbaRule => r !== undefined);
}

/** `all`, 0.0.0.0/0, ::/0 and 0.0.0.0 with mask 0.0.0.0 each accept connections from anywhere. */
export function isAnyAddress(rule: HbaRule): boolean {
    const address = rule.address;
    if (address === undefined) {
        return false;
    }
    if (address === "all" || address === "0.0.0.0/0" || address === "::/0" || address === "::0/0") {
        return true;
    }
    return address === "0.0.0.0" && rule.mask === "0.0.0.0";
}

export function isReplicationRule(rule: HbaRule): boolean {
    return rule.databases.includes("replication");
}

/** Every rule but `local` (the Unix socket) takes connections over the network. */
export function isNetworkRule(rule: HbaRule): boolean {
    return rule.type !== "local";
}
