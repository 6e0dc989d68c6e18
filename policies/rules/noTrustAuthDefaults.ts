import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { isInitializingSeed, stepConfig, stepEnvOf, stepKind, stepValue } from "../lib/cluster";
import { databaseContainer, envValue } from "../lib/container";
import { initdbOptionsOf, isPatroniConfig, UNREADABLE } from "../lib/patroni";
import { COMMAND, STEP_MEMBER_CONF } from "../lib/types";
import { isKnown, Unknown } from "../lib/values";

const WEAK = new Set(["trust", "md5", "password"]);

interface InitdbAuth {
    local?: string;
    host?: string;
}

/** --auth/-A, --auth-local and --auth-host from initdb options (specific flags win). */
function initdbAuth(initdbArgs: string): InitdbAuth {
    const tokens = initdbArgs.split(/\s+/).filter((t) => t !== "");
    const found: Record<string, string> = {};
    for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i];
        const long = /^--(auth|auth-local|auth-host)(?:=(.*))?$/.exec(t);
        if (long) {
            found[long[1]] = long[2] ?? tokens[++i] ?? "";
        } else if (t === "-A") {
            found["auth"] = tokens[++i] ?? "";
        } else if (t.startsWith("-A")) {
            found["auth"] = t.slice(2);
        }
    }
    return { local: found["auth-local"] ?? found["auth"], host: found["auth-host"] ?? found["auth"] };
}

/** Reports initdb options (`where` names them in messages) that leave local or host connections weak. */
function checkInitdbArgs(initdbArgs: string | undefined, where: string, reportViolation: ReportViolation): void {
    const auth = initdbAuth(initdbArgs ?? "");
    const kinds: Array<[keyof InitdbAuth, string, string]> = [
        ["local", "--auth-local", "peer"],
        ["host", "--auth-host", "scram-sha-256"],
    ];
    for (const [kind, flag, recommended] of kinds) {
        const method = auth[kind];
        if (method === undefined) {
            reportViolation(
                `${where} sets no ${flag} (or --auth), so initdb writes trust rules for ${kind} connections ` +
                `into pg_hba.conf; add ${flag}=${recommended}.`);
        } else if (WEAK.has(method)) {
            reportViolation(`${where} makes initdb use ${method} for ${kind} connections; use ${flag}=${recommended}.`);
        }
    }
}

/** The primary's seed step runs initdb with PGC_INITDB_ARGS; a standby's seed copies the primary instead. */
function checkSeedStep(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    const step = stepEnvOf(args.props);
    if (stepKind(step) === STEP_MEMBER_CONF) {
        return checkPatroniMember(args, reportViolation);
    }
    const initializing = isInitializingSeed(step);
    if (initializing === false) {
        return args.notApplicable("not the seed step that initializes the cluster (PGC_STEP=seed, PGC_ROLE=primary)");
    }
    // A step whose environment is unknown during preview is decided during the update.
    const initdbArgs: string | undefined | Unknown = initializing === true ? stepValue(step, "PGC_INITDB_ARGS") : initializing;
    if (isKnown(initdbArgs)) {
        checkInitdbArgs(initdbArgs, "PGC_INITDB_ARGS of the primary's seed step", reportViolation);
    }
}

/**
 * Under `ha: patroni` the member that makes the cluster runs initdb with its configuration's
 * bootstrap.initdb (PGC_CONFIG of its member-conf step), and any member may be that one.
 */
function checkPatroniMember(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    const config = stepConfig(stepEnvOf(args.props), "PGC_CONFIG");
    if (!isKnown(config)) {
        return;
    }
    if (config === undefined || config === UNREADABLE || !isPatroniConfig(config)) {
        return args.notApplicable("not a Patroni member's configuration in JSON");
    }
    checkInitdbArgs(initdbOptionsOf(config),
        `bootstrap.initdb of the Patroni configuration in PGC_CONFIG of step ${args.name}`, reportViolation);
}

// The official image's entrypoint runs initdb on an empty data directory when it is given a
// password (or POSTGRES_HOST_AUTH_METHOD), without --auth: initdb then writes trust rules for
// local and loopback connections; POSTGRES_HOST_AUTH_METHOD adds "host all all all <method>".
// pg-cluster's containers carry neither: the primary's seed step runs initdb, with
// PGC_INITDB_ARGS, and a standby's data, pg_hba.conf included, is the primary's base backup.
function checkContainer(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    const props = databaseContainer(args);
    const hostMethod = envValue(props, "POSTGRES_HOST_AUTH_METHOD");
    if (typeof hostMethod === "string" && WEAK.has(hostMethod.trim())) {
        reportViolation(
            `POSTGRES_HOST_AUTH_METHOD=${hostMethod.trim()} makes the image append "host all all all ${hostMethod.trim()}" ` +
            "to pg_hba.conf; remove it or use scram-sha-256.");
    }
    // Only a container whose entrypoint could initdb; while its environment is unknown during
    // preview it is decided during the update.
    const initdbArgs = envValue(props, "POSTGRES_INITDB_ARGS");
    const initializes = ["POSTGRES_PASSWORD", "POSTGRES_PASSWORD_FILE"].map((name) => envValue(props, name));
    if (!isKnown(initdbArgs) || initializes.some((v) => !isKnown(v))) {
        return;
    }
    if (initdbArgs !== undefined || initializes.some((v) => v !== undefined)) {
        checkInitdbArgs(initdbArgs, "POSTGRES_INITDB_ARGS", reportViolation);
    }
}

export const noTrustAuthDefaults: ResourceValidationPolicy = {
    name: "no-trust-auth-defaults",
    description:
        "initdb gets --auth-local/--auth-host (in the primary's seed step, a Patroni member's bootstrap.initdb, or a " +
        "container that would initdb), POSTGRES_HOST_AUTH_METHOD is not weak.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === COMMAND) {
            checkSeedStep(args, reportViolation);
        } else {
            checkContainer(args, reportViolation);
        }
    },
};
