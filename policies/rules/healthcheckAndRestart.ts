import { ResourceValidationPolicy } from "@pulumi/policy";
import { databaseContainer, haMemberKind } from "../lib/container";
import { CONTAINER, HA_MEMBER_ETCD, HA_MEMBER_PATRONI } from "../lib/types";
import { isKnown, quote, read, readArray, readString } from "../lib/values";

const RESTART_POLICIES = new Set(["always", "unless-stopped", "on-failure"]);

/** What a container's health check should ask, for messages: the server, Patroni, or etcd. */
interface HealthHint {
    /** "runs pg_isready" */
    runs: string;
    /** The tests to suggest, e.g. `["CMD-SHELL", "pg_isready …"]`. */
    tests: string;
}

const HINTS: Readonly<Record<"node" | typeof HA_MEMBER_PATRONI | typeof HA_MEMBER_ETCD, HealthHint>> = {
    node: { runs: "runs pg_isready", tests: "[\"CMD-SHELL\", \"pg_isready …\"]" },
    [HA_MEMBER_PATRONI]: { runs: "asks Patroni's REST API for /readiness", tests: "[\"CMD-SHELL\", \"<a call to https://localhost:8008/readiness>\"]" },
    [HA_MEMBER_ETCD]: { runs: "runs etcdctl endpoint health", tests: "[\"CMD\", \"etcdctl\", …, \"endpoint\", \"health\"]" },
};

// Without a healthcheck `wait: true` cannot tell when the server accepts connections, so replicas
// would start their base backups against a primary that is still initialising. Docker's default
// restart policy is "no": a crashed node or a rebooted host leaves the node down. Under
// `ha: patroni` the same goes for the etcd members: a DCS member that stays down after a reboot
// leaves Patroni one failure from losing its quorum, and then every member demotes.
export const healthcheckAndRestart: ResourceValidationPolicy = {
    name: "healthcheck-and-restart",
    description:
        "PostgreSQL containers (and etcd members) have a healthcheck and a restart policy (always, unless-stopped or " +
        "on-failure).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const member = args.type === CONTAINER ? haMemberKind(args.props) : undefined;
        const props = member === HA_MEMBER_ETCD ? args.props : databaseContainer(args);
        const hint = HINTS[member === HA_MEMBER_ETCD || member === HA_MEMBER_PATRONI ? member : "node"];

        const healthcheck = read(() => props.healthcheck);
        if (isKnown(healthcheck)) {
            const tests = healthcheck && typeof healthcheck === "object" ? readArray(() => (healthcheck as Record<string, unknown>).tests) : [];
            if (isKnown(tests)) {
                const kind = tests[0];
                if (tests.length === 0) {
                    reportViolation(`The container has no healthcheck; add one that ${hint.runs} (tests: ${hint.tests}).`);
                } else if (kind === "NONE") {
                    reportViolation(`The container's healthcheck is disabled (NONE); add one that ${hint.runs}.`);
                } else if (isKnown(kind) && ((kind !== "CMD" && kind !== "CMD-SHELL") || tests.length < 2)) {
                    reportViolation(
                        `The container's healthcheck test starts with ${quote(String(kind))} and runs no command; ` +
                        `use ${hint.tests} or [\"CMD\", …].`);
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
