import { PolicyResource, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { isProductionStack, listNodes, nodesOf, PgNode } from "../lib/cluster";
import { envValue, labelsOf, Labels, uploadsOf } from "../lib/container";
import { effectiveSetting, parsePgBool } from "../lib/settings";
import {
    CONTAINER, LABEL_MONITORING, LABEL_MONITORS, MONITORING_EXPORTER, MONITORING_PROMETHEUS, POSTGRES_SUPERUSER,
} from "../lib/types";
import { isKnown, quote, readString, Unknown, UNKNOWN } from "../lib/values";

const TURN_ON = "pulumi config set pg-cluster:monitoring true";
const MONITORING_ROLE =
    "the monitoring role, a member of pg_monitor only (pg-cluster:monitoringUser, default \"monitoring\")";

// A production cluster nobody watches fails quietly: a standby stops streaming, a slot holds WAL
// until the disk is full, and the first sign is an outage. pg-cluster's monitoring is one
// postgres_exporter per node and one Prometheus with the alert rules. The exporter's own login
// matters too: it runs on every node's network with a password, so it gets a role that can only
// read statistics, checks whom it talks to, and keeps the password in a file.
export const productionMonitoring: StackValidationPolicy = {
    name: "production-monitoring",
    description:
        "In production stacks every node has a postgres_exporter and there is exactly one Prometheus; each exporter " +
        "logs in as a role that is not the superuser, checks the node's certificate (sslmode=verify-full) where the " +
        "node runs with ssl=on, and has no password in its environment.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        if (!isProductionStack(args.resources)) {
            return;
        }
        const nodes = nodesOf(args.resources);
        const containers = args.resources
            .filter((r) => r.type === CONTAINER)
            .map((r) => ({ resource: r, labels: labelsOf(r.props) }));
        const kindOf = (c: { labels: Labels }) => c.labels.get(LABEL_MONITORING);
        const exporters = containers.filter((c) => kindOf(c) === MONITORING_EXPORTER);
        const prometheus = containers.filter((c) => kindOf(c) === MONITORING_PROMETHEUS);
        // During preview a container whose labels are not known yet may be an exporter or Prometheus.
        const undecided = containers.some((c) => !isKnown(kindOf(c)));

        if (exporters.length === 0 && prometheus.length === 0) {
            if (!undecided) {
                reportViolation(
                    `Production stack has no monitoring: no metrics exporter for its nodes (${listNodes(nodes.map((n) => n.node))}) ` +
                    "and no Prometheus, so nothing alerts when a node is down, a standby stops streaming or a slot fills " +
                    `the disk; turn it on with \`${TURN_ON}\`.`);
            }
            return;
        }

        // Every node has an exporter, told by the node it names; one whose label is not known yet may be it.
        const monitorsUnknown = undecided || exporters.some((e) => !isKnown(e.labels.get(LABEL_MONITORS)));
        for (const node of nodes) {
            if (!isKnown(node.name) || monitorsUnknown) {
                continue;
            }
            if (!exporters.some((e) => e.labels.get(LABEL_MONITORS) === node.name)) {
                reportViolation(
                    `Node ${node.node} has no metrics exporter (a container labelled ${LABEL_MONITORING}=${MONITORING_EXPORTER} ` +
                    `and ${LABEL_MONITORS}=${node.name}), so nothing alerts when it is down or falls behind; pg-cluster ` +
                    `declares one per node with \`${TURN_ON}\`.`,
                    node.resource.urn);
            }
        }

        if (prometheus.length === 0 && !undecided) {
            reportViolation(
                `Production stack has no Prometheus (a container labelled ${LABEL_MONITORING}=${MONITORING_PROMETHEUS}), so ` +
                `the exporters' metrics are neither collected nor alerted on; pg-cluster declares one with \`${TURN_ON}\`.`);
        } else if (prometheus.length > 1) {
            reportViolation(
                `Production stack has ${prometheus.length} Prometheus containers (${listNodes(prometheus.map((p) => nameOf(p.resource)))}); ` +
                "it needs exactly one: each evaluates the alert rules, so every alert would fire once per Prometheus.");
        }

        for (const exporter of exporters) {
            checkExporter(exporter.resource, exporter.labels, nodes, reportViolation);
        }
    },
};

function nameOf(resource: PolicyResource): string {
    const name = readString(() => resource.props.name);
    return typeof name === "string" ? name : resource.name;
}

/**
 * What the exporter reads from its environment, as postgres_exporter does: a `*_FILE` variable
 * wins over the plain one, and names a file the container uploads (UNKNOWN while its content is
 * not known yet, as a generated password's is during preview).
 */
function exporterSetting(props: Record<string, any>, name: string): string | undefined | Unknown {
    const file = envValue(props, `${name}_FILE`);
    if (!isKnown(file)) {
        return UNKNOWN;
    }
    if (file) {
        const upload = uploadsOf(props).find((u) => u.file === file);
        return upload !== undefined ? upload.content.trim() : UNKNOWN;
    }
    const value = envValue(props, name);
    return isKnown(value) && value === "" ? undefined : value;
}

/** The last `sslmode` of a connection string (URI query or key=value form); undefined when it sets none. */
function sslmodeOf(connection: string): string | undefined {
    let mode: string | undefined;
    for (const m of connection.matchAll(/(?:^|[?&\s])sslmode=([^&\s]*)/g)) {
        mode = decodeURIComponent(m[1]);
    }
    return mode;
}

function checkExporter(resource: PolicyResource, labels: Labels, nodes: readonly PgNode[], reportViolation: ReportViolation) {
    const props = resource.props;
    const exporter = `Exporter ${quote(nameOf(resource))}`;
    const report = (message: string) => reportViolation(`${exporter} ${message}`, resource.urn);

    // postgres_exporter uses DATA_SOURCE_NAME, when set, as the whole connection string.
    const dsn = envValue(props, "DATA_SOURCE_NAME");
    if (isKnown(dsn) && dsn) {
        report(
            "sets DATA_SOURCE_NAME, a whole connection string with its password, in its environment, where docker inspect " +
            "shows it; set DATA_SOURCE_URI, DATA_SOURCE_USER and DATA_SOURCE_PASS_FILE (a file the container uploads) instead.");
    }
    const pass = envValue(props, "DATA_SOURCE_PASS");
    if (isKnown(pass) && pass) {
        report(
            "has its password in DATA_SOURCE_PASS, in its environment, where docker inspect shows it; upload the password " +
            "as a file and set DATA_SOURCE_PASS_FILE instead.");
    }
    const uri = exporterSetting(props, "DATA_SOURCE_URI");
    if (isKnown(uri) && uri !== undefined && /(?:^|[?&])password=/i.test(uri)) {
        report(
            "has a password in DATA_SOURCE_URI (password=…), in its environment, where docker inspect shows it; remove it " +
            "and set DATA_SOURCE_PASS_FILE instead.");
    }

    const user = exporterSetting(props, "DATA_SOURCE_USER");
    if (isKnown(user) && !(isKnown(dsn) && dsn)) {
        if (user === undefined) {
            report(`sets no DATA_SOURCE_USER, so it logs in as whatever user its driver defaults to; set it to ${MONITORING_ROLE}.`);
        } else if (user === POSTGRES_SUPERUSER) {
            report(
                `logs in as the superuser ${quote(POSTGRES_SUPERUSER)} (DATA_SOURCE_USER), which a compromised exporter could use ` +
                `to read or change anything; set DATA_SOURCE_USER to ${MONITORING_ROLE}.`);
        }
    }

    // TLS where the node it watches serves it; an exporter naming no node of the stack is held to
    // the stack's nodes.
    const monitors = labels.get(LABEL_MONITORS);
    const watched = nodes.filter((n) => isKnown(n.name) && n.name === monitors);
    const candidates = watched.length > 0 ? watched : isKnown(monitors) ? nodes : [];
    const sslOn = candidates.find((n) => n.views.some((v) => parsePgBool(effectiveSetting(v.settings, "ssl")) === true));
    const connection = isKnown(dsn) && dsn ? dsn : uri;
    if (sslOn === undefined || !isKnown(connection)) {
        return;
    }
    const mode = connection === undefined ? undefined : sslmodeOf(connection);
    if (mode === "verify-full") {
        return;
    }
    const where = isKnown(dsn) && dsn ? "DATA_SOURCE_NAME" : "DATA_SOURCE_URI";
    const asked = mode === undefined
        ? `with no sslmode in ${where}, so its driver uses require`
        : `with sslmode=${mode} (${where})`;
    report(
        `connects to ${sslOn.node}, which runs with ssl=on, ${asked}, which does not check the node's certificate; ` +
        `add sslmode=verify-full and sslrootcert=<the cluster's CA certificate, uploaded> to ${where} so nothing ` +
        "posing as the node gets the monitoring password.");
}
