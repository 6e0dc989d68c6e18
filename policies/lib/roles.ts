// Role names PostgreSQL 17 refuses, or reads as something other than a role, in one place. The
// Java program keeps its own copy (Validators) to refuse them in config; a test holds the two
// lists together, so they stay plain lists of lower-case words.

/**
 * Names that stand for something other than one role: `public` (every role) and `none`, which
 * CREATE ROLE refuses; the role specifications `current_user`, `current_role`, `session_user`
 * and `user` (the session's own role); and pg_hba.conf's `all`, `samerole` and `samegroup`.
 */
export const SPECIAL_ROLE_NAMES: readonly string[] = [
    "public",
    "none",
    "all",
    "current_user",
    "current_role",
    "session_user",
    "user",
    "samerole",
    "samegroup",
];

/**
 * PostgreSQL 17's reserved key words: the words its SQL Key Words appendix (Table C.1) marks
 * "reserved" in the PostgreSQL column, RESERVED_KEYWORD in src/include/parser/kwlist.h. None can
 * name a role unquoted. (Words marked "reserved (can be function or type)" can, and are not here.)
 */
export const RESERVED_KEY_WORDS: readonly string[] = [
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "current_catalog",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "grant",
    "group",
    "having",
    "in",
    "initially",
    "intersect",
    "into",
    "lateral",
    "leading",
    "limit",
    "localtime",
    "localtimestamp",
    "not",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "placing",
    "primary",
    "references",
    "returning",
    "select",
    "session_user",
    "some",
    "symmetric",
    "system_user",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "when",
    "where",
    "window",
    "with",
];

/** CREATE ROLE refuses names with this prefix: PostgreSQL keeps them for its predefined roles. */
export const RESERVED_ROLE_PREFIX = "pg_";

/** Every name a role must not have, whatever the prefix: SPECIAL_ROLE_NAMES and RESERVED_KEY_WORDS. */
export const RESERVED_ROLE_NAMES: ReadonlySet<string> = new Set([...SPECIAL_ROLE_NAMES, ...RESERVED_KEY_WORDS]);

const WHY_SPECIAL: Readonly<Record<string, string>> = {
    public: "the pseudo-role every role belongs to, which CREATE ROLE refuses",
    none: "a name CREATE ROLE refuses (it stands for no role)",
    all: "pg_hba.conf's word for every role, and a reserved key word",
    current_user: "a role specification for the session's current role, and a reserved key word",
    current_role: "a role specification for the session's current role, and a reserved key word",
    session_user: "a role specification for the session's login role, and a reserved key word",
    user: "a role specification for the session's current role, and a reserved key word",
    samerole: "a pg_hba.conf keyword (members of the role named like the database), not a name there",
    samegroup: "a pg_hba.conf keyword (the old spelling of samerole), not a name there",
};

/**
 * Why a role cannot have this name, or undefined when it can. Compared in lower case: an unquoted
 * name is folded to lower case anyway, and the scripts do not all quote.
 */
export function reservedRoleNameReason(name: string): string | undefined {
    const n = name.toLowerCase();
    const special = WHY_SPECIAL[n];
    if (special !== undefined) {
        return special;
    }
    if (RESERVED_KEY_WORDS.includes(n)) {
        return "a reserved key word of PostgreSQL 17's SQL, which cannot name a role unquoted";
    }
    if (n.startsWith(RESERVED_ROLE_PREFIX)) {
        return `a name starting with ${RESERVED_ROLE_PREFIX}, which PostgreSQL keeps for its predefined roles (CREATE ROLE refuses it)`;
    }
    return undefined;
}
