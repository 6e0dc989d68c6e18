import { ResourceValidationPolicy } from "@pulumi/policy";
import { databaseContainer } from "../lib/container";
import { isKnown, quote, read, readArray, readString } from "../lib/values";

const RESTART_POLICIES = new Set(["always", "unless-stopped", "on-failure"]);

// Without a healthcheck `wait: true` cannot tell when the server accepts connections, so replicas
// would start their base backups against a primary that is still initialising. Docker's default
// restart policy is "no": a crashed node or a rebooted host leaves the node down.
export const healthcheckAndRestart: ResourceValidationPolicy = {
    name: "healthcheck-and-restart",
    description: "PostgreSQL containers have a healthcheck and a restart policy (always, unless-stopped or on-failure).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const props = databaseContainer(args);

        const healthcheck = read(() => props.healthcheck);
        if (isKnown(healthcheck)) {
            const tests = healthcheck && typeof healthcheck === "object" ? readArray(() => (healthcheck as Record<string, unknown>).tests) : [];
            if (isKnown(tests)) {
                const kind = tests[0];
                if (tests.length === 0) {
                    reportViolation("The container has no healthcheck; add one that runs pg_isready (tests: [\"CMD-SHELL\", \"pg_isready …\"]).");
                } else if (kind === "NONE") {
                    reportViolation("The container's healthcheck is disabled (NONE); add one that runs pg_isready.");
                } else if (isKnown(kind) && ((kind !== "CMD" && kind !== "CMD-SHELL") || tests.length < 2)) {
                    reportViolation(
                        `The container's healthcheck test starts with ${quote(String(kind))} and runs no command; ` +
                        "use [\"CMD-SHELL\", \"pg_isready …\"] or [\"CMD\", …].");
                }
            }
        }

        const restart = readString(() => props.restart);
        if (!isKnown(restart)) {
            return;
        }
        if (restart === undefined || restart === "") {
            reportViolation(
                "The container has no restart policy (Docker's default is \"no\"); set restart to unless-stopped, always or on-failure.");
        } else if (!RESTART_POLICIES.has(restart.split(":")[0])) {
            reportViolation(
                `The container's restart policy is ${quote(restart)}, so it stays down after a crash or a host reboot; ` +
                "use unless-stopped, always or on-failure.");
        }
    },
};
