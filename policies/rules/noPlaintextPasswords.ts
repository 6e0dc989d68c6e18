import { ResourceValidationArgs, ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { envOf, uploadsOf } from "../lib/container";
import { findPlaintextPassword, isPasswordName, MIN_SECRET_LENGTH, secretStdinLines } from "../lib/passwords";
import { COMMAND, CONTAINER, SECRETS_DIR, STEP_GENERATE_PASSWORD } from "../lib/types";
import { isKnown, quote, readArray, readString, readStringMap } from "../lib/values";

// Environment variables and argv are readable by anyone who can run `docker inspect` or `ps`,
// and a command resource's create/delete/environment are stored in the Pulumi state in clear.
// Passwords belong in files (*_FILE, /run/secrets) or on a command's stdin, which is a secret.

function checkContainer(props: Record<string, any>, reportViolation: ReportViolation) {
    // Password files: under /run/secrets, or named by a password's *_FILE variable
    // (POSTGRES_PASSWORD_FILE, an exporter's DATA_SOURCE_PASS_FILE).
    const passwordFiles = new Set(envOf(props)
        .filter((v) => v.name.endsWith("_FILE") && isPasswordName(v.name.slice(0, -"_FILE".length)))
        .map((v) => v.value));
    const secretFiles = uploadsOf(props)
        .filter((u) => (u.file.startsWith(SECRETS_DIR) || passwordFiles.has(u.file)) && u.content.trim().length >= MIN_SECRET_LENGTH)
        .map((u) => ({ file: u.file, secret: u.content.trim() }));
    const leakedFile = (text: string) => secretFiles.find((s) => text.includes(s.secret))?.file;

    for (const { name, value } of envOf(props)) {
        const shape = findPlaintextPassword(value);
        const leaked = leakedFile(value);
        if (isPasswordName(name)) {
            reportViolation(
                `Container env ${name} holds a password in plain text; upload the password as a file under ${SECRETS_DIR} ` +
                `and set ${name}_FILE instead.`);
        } else if (shape !== undefined) {
            reportViolation(`Container env ${name} contains a plaintext password (${shape}); read it from a file under ${SECRETS_DIR} instead.`);
        } else if (leaked !== undefined) {
            reportViolation(`Container env ${name} contains the content of ${leaked}; read the file instead of copying the password.`);
        }
    }

    // Each known argument on its own: one not known yet during preview hides no other's password.
    const args = readArray(() => props.command);
    if (!isKnown(args)) {
        return;
    }
    args.forEach((item, i) => {
        if (!isKnown(item) || item === undefined || item === null) {
            return;
        }
        const arg = String(item);
        const shape = findPlaintextPassword(arg);
        const leaked = leakedFile(arg);
        if (shape !== undefined) {
            reportViolation(
                `Container command argument ${i} contains a plaintext password (${shape}); ` +
                "the server's command line is visible in ps and docker inspect, so use a password file.");
        } else if (leaked !== undefined) {
            reportViolation(`Container command argument ${i} contains the content of ${leaked}; use the file instead.`);
        }
    });
}

function checkCommand(props: Record<string, any>, reportViolation: ReportViolation) {
    // Wholly unknown during preview when built from other resources' outputs: nothing to check yet.
    const known = readStringMap(() => props.environment);
    const environment = isKnown(known) ? known : new Map<string, string>();
    // A step may take several passwords on stdin, one a line (seed and primary steps take two), or
    // a PEM key (a conf step takes the signing CA's key and its public certificate).
    const stdin = readString(() => props.stdin);
    const stdinSecrets = typeof stdin === "string" ? secretStdinLines(stdin) : [];
    const hasStdinSecret = (text: string) => stdinSecrets.some((secret) => text.includes(secret));

    if (environment.get("PGC_STEP") === STEP_GENERATE_PASSWORD) {
        const logging = readString(() => props.logging);
        if (isKnown(logging) && logging !== "none" && logging !== "stderr") {
            const shown = logging === undefined ? "not set, so stdoutAndStderr" : quote(logging);
            reportViolation(
                `The password generator's output is logged (logging ${shown}); ` +
                "set logging: \"none\" so the generated password never reaches the Pulumi log.");
        }
    }

    for (const field of ["create", "delete"]) {
        const script = readString(() => props[field]);
        if (typeof script !== "string") {
            continue;
        }
        const shape = findPlaintextPassword(script);
        if (shape !== undefined) {
            reportViolation(`Command ${field} script contains a plaintext password (${shape}); pass the password on stdin instead.`);
        } else if (hasStdinSecret(script)) {
            reportViolation(`Command ${field} script contains a password given on stdin; read it from stdin instead.`);
        }
    }

    for (const [name, value] of environment) {
        if (isPasswordName(name)) {
            reportViolation(`Command environment variable ${name} holds a password; pass the password on stdin instead.`);
            continue;
        }
        if (!isKnown(value)) {
            continue;
        }
        const shape = findPlaintextPassword(value);
        if (shape !== undefined) {
            reportViolation(`Command environment variable ${name} contains a plaintext password (${shape}); pass the password on stdin instead.`);
        } else if (hasStdinSecret(value)) {
            reportViolation(`Command environment variable ${name} contains a password given on stdin; read it from stdin instead.`);
        }
    }
}

export const noPlaintextPasswords: ResourceValidationPolicy = {
    name: "no-plaintext-passwords",
    description: "No password in plain text in container env or command line, or in a command's scripts or environment.",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (args.type === CONTAINER) {
            checkContainer(args.props, reportViolation);
        } else if (args.type === COMMAND) {
            checkCommand(args.props, reportViolation);
        } else {
            return args.notApplicable(`applies to ${CONTAINER} and ${COMMAND} resources only`);
        }
    },
};
