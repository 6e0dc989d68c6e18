// Happy-path props for each kind of resource the program declares. Every test starts from these
// and changes one thing.

import { COMMAND, CONTAINER, INIT_SCRIPT_DIR, NETWORK, REMOTE_IMAGE, VOLUME } from "../lib/types";
import { TestResource, UNKNOWN_STRING } from "./util";

export const STACK = "dev";
/** Names the data a node's container starts on (the seed step's output). */
export const SEED_LABEL = "pg-cluster.seed";
export const SUBNET = "172.28.0.0/16";
const prefix = (environment: string) => `pg-cluster-${environment === "production" ? "prod" : environment === "staging" ? "staging" : STACK}`;
/** The primary the stacks built here name, as the program's default `pg-cluster:primary`. */
export const PRIMARY = "pg0";

/** The gateway of SUBNET: Docker's published ports reach the nodes from it. */
export const GATEWAY = "172.28.0.1";

/**
 * The pg_hba.conf every node's conf step writes (PGC_HBA), as the program makes it with TLS: the
 * replication role also reaches the postgres database (pg_rewind), and the superuser never logs in
 * over the network.
 */
export const PG_HBA = [
    "# TYPE  DATABASE     USER        ADDRESS          METHOD",
    "local   all          all                          peer",
    "hostnossl all        all         all              reject",
    "hostnossl replication all        all              reject",
    `hostssl replication  all         ${GATEWAY}/32    reject`,
    `hostssl replication  replicator  ${SUBNET}    scram-sha-256`,
    `hostssl postgres     replicator  ${SUBNET}    scram-sha-256`,
    "hostssl all          replicator  all              reject",
    "hostssl all          postgres    all              reject",
    "hostssl all          all         all              scram-sha-256",
    "",
].join("\n");

/** What the primary's seed step runs in its one-off container (PGC_INIT_SCRIPT): initdb and the replication role. */
export const INIT_SCRIPT_TEXT = [
    "set -eu",
    "IFS= read -r superuser_password",
    "IFS= read -r replication_password",
    "printf '%s\\n' \"$superuser_password\" | initdb --pgdata=\"$partial\" --username=postgres --pwfile=/dev/stdin $PGC_INITDB_ARGS",
    "{",
    "    echo \"CREATE ROLE \\\"$PGC_REPLICATION_USER\\\" WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE\" \\",
    "        \"NOINHERIT PASSWORD $(pgc_literal \"$replication_password\");\"",
    "} | psql -X -q -v ON_ERROR_STOP=1 --host=/tmp --username=postgres --dbname=postgres",
    "",
].join("\n");

export const INITDB_ARGS = "--auth-local=peer --auth-host=scram-sha-256 --data-checksums";

export const SERVER_ARGS = [
    "postgres",
    "-c", "wal_level=replica",
    "-c", "max_wal_senders=10",
    "-c", "max_replication_slots=10",
    "-c", "wal_keep_size=256MB",
    "-c", "max_slot_wal_keep_size=1GB",
    "-c", "hot_standby=on",
    "-c", "wal_log_hints=on",
    "-c", "password_encryption=scram-sha-256",
    "-c", "listen_addresses=*",
    "-c", "hba_file=/var/lib/postgresql/data/conf/pg_hba.conf",
    "-c", "ssl=on",
    "-c", "ssl_cert_file=/var/lib/postgresql/data/conf/server.crt",
    "-c", "ssl_key_file=/var/lib/postgresql/data/conf/server.key",
    "-c", "ssl_min_protocol_version=TLSv1.3",
];

/**
 * What every node and monitoring container declares so a compromised process reaches no further
 * than it must (no process limit: the docker provider has no input for one). A node's root is
 * read-only; the monitoring containers' cannot be (their uploads).
 */
function hardening(adds: string[], readOnly: boolean): Record<string, any> {
    return {
        capabilities: adds.length > 0 ? { drops: ["ALL"], adds } : { drops: ["ALL"] },
        securityOpts: ["no-new-privileges:true"],
        ...(readOnly ? { readOnly: true } : {}),
    };
}

/** What the postgres image's entrypoint needs to hand its directories to postgres and drop to it. */
const NODE_CAPABILITIES = ["CAP_CHOWN", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_SETGID", "CAP_SETUID"];

export interface NodeOptions {
    environment?: "development" | "staging" | "production";
}

/**
 * A PostgreSQL node as the program declares it: every node the same whatever its role, apart from
 * its name, volume, published port (on 127.0.0.1) and node label; no password, no uploads; hardened
 * (all capabilities dropped but what the entrypoint needs, a read-only root with tmpfs where it writes).
 */
export function containerProps(node = "pg0", options: NodeOptions = {}): Record<string, any> {
    const environment = options.environment ?? "development";
    const index = Number(node.replace(/^\D+/, "")) || 0;
    return {
        name: `${prefix(environment)}-${node}`,
        hostname: node,
        image: "postgres:17.6",
        command: [...SERVER_ARGS],
        envs: ["PGDATA=/var/lib/postgresql/data/pgdata"],
        healthcheck: {
            tests: ["CMD-SHELL", "pg_isready --host=127.0.0.1 --port=5432 --quiet && test -f \"$PGDATA/pg-cluster-init.done\""],
            interval: "2s",
            timeout: "5s",
            retries: 5,
            startPeriod: "1m0s",
        },
        restart: "unless-stopped",
        labels: [
            { label: "pg-cluster.project", value: "pg-cluster" },
            { label: "pg-cluster.stack", value: STACK },
            { label: "pg-cluster.node", value: node },
            { label: "pg-cluster.environment", value: environment },
            { label: SEED_LABEL, value: `${node} initialized 20261127T000000Z 0123abcd` },
        ],
        volumes: [{ volumeName: `${prefix(environment)}-${node}-data`, containerPath: "/var/lib/postgresql/data" }],
        ports: [{ internal: 5432, external: 15432 + index, ip: "127.0.0.1" }],
        memory: 1024,
        shmSize: 256,
        cpuShares: 1024,
        networksAdvanced: [{ name: `${prefix(environment)}-net`, aliases: [node] }],
        wait: false,
        ...hardening([...NODE_CAPABILITIES], true),
        tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m", "/var/run/postgresql": "rw,noexec,nosuid,size=1m" },
    };
}

export function volumeProps(node = "pg0", environment: NodeOptions["environment"] = "development"): Record<string, any> {
    const labels = [
        { label: "pg-cluster.project", value: "pg-cluster" },
        { label: "pg-cluster.stack", value: STACK },
        { label: "pg-cluster.node", value: node },
    ];
    if (environment === "production") {
        labels.push({ label: "pg-cluster.retain-on-delete", value: "true" });
    }
    return { name: `${prefix(environment)}-${node}-data`, labels };
}

export function remoteImageProps(name = "postgres:17.6"): Record<string, any> {
    return { name, keepLocally: true };
}

export const EXPORTER_IMAGE = "quay.io/prometheuscommunity/postgres-exporter:v0.17.1";
export const PROMETHEUS_IMAGE = "quay.io/prometheus/prometheus:v2.53.3";
/** Where the monitoring containers get their files (the program's MonitoringFiles.DIRECTORY). */
export const MONITORING_DIR = "/etc/pg-cluster";
export const MONITORING_PASSWORD = "s3cr3t-monitoring-password";

function monitoringLabels(kind: "exporter" | "prometheus", environment: string): Array<{ label: string; value: string }> {
    return [
        { label: "pg-cluster.project", value: "pg-cluster" },
        { label: "pg-cluster.stack", value: STACK },
        { label: "pg-cluster.environment", value: environment },
        { label: "pg-cluster.monitoring", value: kind },
    ];
}

/**
 * A node's postgres_exporter as the program declares it: labelled with the node it watches (no
 * pg-cluster.node label, which marks nodes), logging in as the monitoring role over TLS checked
 * with verify-full, the password in an uploaded file; its metrics port published on 127.0.0.1.
 */
export function exporterProps(node = "pg0", options: NodeOptions = {}): Record<string, any> {
    const environment = options.environment ?? "development";
    const index = Number(node.replace(/^\D+/, "")) || 0;
    return {
        name: `${prefix(environment)}-${node}-exporter`,
        hostname: `${node}-exporter`,
        image: EXPORTER_IMAGE,
        entrypoints: ["/bin/postgres_exporter"],
        command: ["--web.listen-address=:9187", `--extend.query-path=${MONITORING_DIR}/queries.yml`],
        envs: [
            `DATA_SOURCE_URI=${node}:5432/postgres?sslmode=verify-full&sslrootcert=${MONITORING_DIR}/ca.crt`,
            "DATA_SOURCE_USER=monitoring",
            `DATA_SOURCE_PASS_FILE=${MONITORING_DIR}/monitoring-password`,
        ],
        labels: [...monitoringLabels("exporter", environment), { label: "pg-cluster.monitors", value: node }],
        uploads: [
            { file: `${MONITORING_DIR}/queries.yml`, content: "pg_cluster_node:\n  query: SELECT pg_is_in_recovery()::int AS in_recovery\n" },
            { file: `${MONITORING_DIR}/monitoring-password`, content: MONITORING_PASSWORD },
            { file: `${MONITORING_DIR}/ca.crt`, content: CA_CERTIFICATE },
        ],
        ports: [{ internal: 9187, external: 19091 + index, ip: "127.0.0.1" }],
        restart: "unless-stopped",
        networksAdvanced: [{ name: `${prefix(environment)}-net`, aliases: [`${node}-exporter`] }],
        wait: false,
        ...hardening([], false),
    };
}

/** The cluster's one Prometheus: its data on a named volume, its UI and API published on 127.0.0.1. */
export function prometheusProps(options: NodeOptions = {}): Record<string, any> {
    const environment = options.environment ?? "development";
    return {
        name: `${prefix(environment)}-prometheus`,
        hostname: "prometheus",
        image: PROMETHEUS_IMAGE,
        entrypoints: ["/bin/prometheus"],
        command: [
            `--config.file=${MONITORING_DIR}/prometheus.yml`,
            "--storage.tsdb.path=/prometheus",
            "--storage.tsdb.retention.time=15d",
            "--web.listen-address=:9090",
        ],
        labels: monitoringLabels("prometheus", environment),
        volumes: [{ volumeName: `${prefix(environment)}-prometheus-data`, containerPath: "/prometheus" }],
        uploads: [
            { file: `${MONITORING_DIR}/prometheus.yml`, content: "rule_files:\n  - alerts.rules.yml\n" },
            { file: `${MONITORING_DIR}/targets.json`, content: "[]\n" },
        ],
        ports: [{ internal: 9090, external: 19090, ip: "127.0.0.1" }],
        restart: "unless-stopped",
        networksAdvanced: [{ name: `${prefix(environment)}-net`, aliases: ["prometheus"] }],
        wait: false,
        ...hardening([], false),
    };
}

/** Prometheus's data volume: retained where the nodes' volumes are. */
export function prometheusVolumeProps(environment: NodeOptions["environment"] = "development"): Record<string, any> {
    const labels = [
        { label: "pg-cluster.project", value: "pg-cluster" },
        { label: "pg-cluster.stack", value: STACK },
        { label: "pg-cluster.monitoring", value: "prometheus" },
    ];
    if (environment === "production") {
        labels.push({ label: "pg-cluster.retain-on-delete", value: "true" });
    }
    return { name: `${prefix(environment)}-prometheus-data`, labels };
}

export function slotStepProps(slot = "pg1", environment: NodeOptions["environment"] = "development"): Record<string, any> {
    return {
        environment: {
            PGC_STEP: "replication-slot",
            PGC_SLOT: slot,
            PGC_PRIMARY_CONTAINER: `${prefix(environment)}-${PRIMARY}`,
        },
        create: "set -eu\ndocker exec \"$PGC_PRIMARY_CONTAINER\" psql -U postgres -v ON_ERROR_STOP=1 " +
            "-c \"SELECT pg_create_physical_replication_slot('$PGC_SLOT')\"\n",
        delete: "set -eu\ndocker exec \"$PGC_PRIMARY_CONTAINER\" psql -U postgres " +
            "-c \"SELECT pg_drop_replication_slot('$PGC_SLOT')\" || true\n",
    };
}

/**
 * A node's seed step: on the primary it initializes the cluster (initdb options, pg_hba.conf and
 * init script in its environment), on a standby it takes a base backup through the node's slot.
 */
export function seedStepProps(
    node = "pg1", role: "primary" | "replica" = node === PRIMARY ? "primary" : "replica",
    environment: NodeOptions["environment"] = "development"): Record<string, any> {
    const env: Record<string, string> = {
        PGC_STEP: "seed",
        PGC_ROLE: role,
        PGC_NODE: node,
        PGC_SLOT: node,
        PGC_VOLUME: `${prefix(environment)}-${node}-data`,
        PGC_NETWORK: `${prefix(environment)}-net`,
        PGC_IMAGE: "postgres:17.6",
        PGC_REPLICATION_USER: "replicator",
        PGC_ATTEMPTS: "3",
    };
    if (role === "primary") {
        Object.assign(env, {
            PGC_DATABASE: "postgres",
            PGC_INITDB_ARGS: INITDB_ARGS,
            PGC_INIT_SCRIPT: INIT_SCRIPT_TEXT,
        });
    } else {
        Object.assign(env, {
            PGC_PRIMARY_HOST: `${prefix(environment)}-${PRIMARY}`,
            PGC_PRIMARY_PORT: "5432",
            PGC_TLS: "on",
            PGC_BACKUP_SCRIPT: "set -eu\nIFS= read -r PGPASSWORD\nexport PGPASSWORD\n" +
                "pg_basebackup -h \"$PGC_PRIMARY_HOST\" -U \"$PGC_REPLICATION_USER\" -D \"$partial\" -X stream -S \"$PGC_SLOT\"\n",
        });
    }
    return {
        environment: env,
        stdin: "s3cr3t-superuser-password\ns3cr3t-replication-password\n",
        create: "set -eu\nIFS= read -r superuser_password\nIFS= read -r replication_password\n" +
            "printf '%s\\n%s\\n' \"$superuser_password\" \"$replication_password\" | docker run -i --rm " +
            "--volume \"$PGC_VOLUME:/var/lib/postgresql/data\" \"$PGC_IMAGE\" sh -c \"$PGC_INIT_SCRIPT\"\n",
        triggers: [`${prefix(environment)}-${node}-data`],
    };
}

/** The CA certificate every node and client trusts (PGC_CA_BUNDLE), and the signing CA a conf step takes on stdin. */
export const CA_CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIUCAcertificateBodyOfTheTestCA\n-----END CERTIFICATE-----\n";
export const SIGNING_CA = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49privateKeyOfTheTestCA\n-----END PRIVATE KEY-----\n" +
    CA_CERTIFICATE;

/**
 * A node's conf step: writes PGC_HBA as the pg_hba.conf the node reads (hba_file) and, with TLS,
 * the node's key and certificate signed by the CA it takes on stdin, beside the data.
 */
export function confStepProps(node = "pg0", environment: NodeOptions["environment"] = "development"): Record<string, any> {
    return {
        environment: {
            PGC_STEP: "conf",
            PGC_NODE: node,
            PGC_CONTAINER: `${prefix(environment)}-${node}`,
            PGC_VOLUME: `${prefix(environment)}-${node}-data`,
            PGC_IMAGE: "postgres:17.6",
            PGC_TLS: "on",
            PGC_HBA: PG_HBA,
            PGC_CA_BUNDLE: CA_CERTIFICATE,
            PGC_CERT_NAMES: `DNS:${node},DNS:${prefix(environment)}-${node},IP:127.0.0.1,DNS:localhost`,
            PGC_CERT_GENERATION: "1",
            PGC_CONF_SCRIPT: "set -eu\nsed -n '/-----BEGIN PRIVATE KEY-----/,/-----END PRIVATE KEY-----/p' \"$work/signing.pem\" >\"$work/ca.key\"\n",
        },
        stdin: SIGNING_CA,
        create: "set -eu\ndocker run -i --rm --volume \"$PGC_VOLUME:/var/lib/postgresql/data\" \"$PGC_IMAGE\" sh -c \"$PGC_CONF_SCRIPT\"\n",
    };
}

/** The cluster's primary step: makes PGC_PRIMARY the primary. */
export function primaryStepProps(
    primary = PRIMARY, environment: NodeOptions["environment"] = "development"): Record<string, any> {
    return {
        environment: {
            PGC_STEP: "primary",
            PGC_PRIMARY: primary,
            PGC_NAME_PREFIX: prefix(environment),
            PGC_REPLICATION_USER: "replicator",
            PGC_ACCEPT_DATA_LOSS: "",
            PGC_TLS: "on",
        },
        stdin: "s3cr3t-superuser-password\ns3cr3t-replication-password\n",
        create: "set -eu\nIFS= read -r superuser_password\nIFS= read -r replication_password\nconverge\n",
        logging: "stdoutAndStderr",
    };
}

export function passwordGeneratorProps(): Record<string, any> {
    return {
        environment: { PGC_STEP: "generate-password" },
        create: "set -eu\nhead -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32\n",
        logging: "none",
    };
}

/** The step that waits until Docker reports a node's container healthy. */
export function readyStepProps(node = "pg0", environment: NodeOptions["environment"] = "development"): Record<string, any> {
    const container = `${prefix(environment)}-${node}`;
    return {
        environment: {
            PGC_STEP: "ready",
            PGC_CONTAINER: container,
            PGC_CONTAINER_ID: `${container}-id`,
            PGC_TIMEOUT_SECONDS: "180",
        },
        create: "set -eu\nuntil [ \"$(docker inspect -f '{{.State.Health.Status}}' \"$PGC_CONTAINER_ID\")\" = healthy ]; do sleep 1; done\n",
        triggers: [`${container}-id`],
    };
}

/** The step that sets the stack's passwords on the running primary (read from stdin). */
export function passwordsStepProps(environment: NodeOptions["environment"] = "development"): Record<string, any> {
    return {
        environment: {
            PGC_STEP: "passwords",
            PGC_PRIMARY_CONTAINER: `${prefix(environment)}-${PRIMARY}`,
            PGC_SUPERUSER: "postgres",
            PGC_REPLICATION_USER: "replicator",
            PGC_APP_USER: "postgres_app",
            PGC_MONITORING_USER: "monitoring",
        },
        stdin: "s3cr3t-superuser-password\ns3cr3t-replication-password\n",
        create: "set -eu\nIFS= read -r SUPERUSER_PW\nIFS= read -r REPLICATION_PW\n" +
            "docker exec -i \"$PGC_PRIMARY_CONTAINER\" psql -U \"$PGC_SUPERUSER\" -v ON_ERROR_STOP=1 " +
            "--set=pw=\"$REPLICATION_PW\" <<'EOSQL'\nALTER ROLE replicator PASSWORD :'pw';\nEOSQL\n",
        logging: "stdoutAndStderr",
    };
}

/** The step that points a replica's primary_conninfo at the stack's replication password. */
export function conninfoStepProps(node = "pg1", environment: NodeOptions["environment"] = "development"): Record<string, any> {
    return {
        environment: {
            PGC_STEP: "conninfo",
            PGC_REPLICA_CONTAINER: `${prefix(environment)}-${node}`,
            PGC_NODE: node,
            PGC_SLOT: node,
            PGC_PRIMARY_HOST: `${prefix(environment)}-${PRIMARY}`,
            PGC_PRIMARY_PORT: "5432",
            PGC_REPLICATION_USER: "replicator",
            PGC_TLS: "on",
        },
        stdin: "s3cr3t-replication-password\n",
        create: "set -eu\nIFS= read -r PGPASSWORD\ndocker exec -i -e PGPASSWORD \"$PGC_REPLICA_CONTAINER\" /usr/local/bin/sync-conninfo\n",
    };
}

/**
 * A complete, valid stack as the program declares it: network, password generator, and nodes
 * pg0…pg<replicas>, each with its volume, conf step, seed step, container and readiness step; the primary
 * step naming `primary` once it is ready, the passwords step after it; each standby with its
 * slot (after the primary step), a seed that waits for the slot and the passwords, and conninfo.
 * With monitoring (on by default in staging and production, as in the program): an exporter per
 * node and one Prometheus with its data volume.
 */
export function clusterResources(
    replicas = 2, environment: NodeOptions["environment"] = "development", primary = PRIMARY,
    monitoring = environment !== "development"): TestResource[] {
    const nodes = Array.from({ length: replicas + 1 }, (_, i) => `pg${i}`);
    const resources: TestResource[] = [
        { type: NETWORK, name: "network", props: { name: `${prefix(environment)}-net`, driver: "bridge", ipamConfigs: [{ subnet: SUBNET }] } },
        { type: COMMAND, name: "replication-password", props: passwordGeneratorProps() },
    ];
    const node = (name: string, standby: boolean) => {
        resources.push({ type: VOLUME, name: `${name}-data`, props: volumeProps(name, environment) });
        if (standby) {
            resources.push({ type: COMMAND, name: `${name}-slot`, props: slotStepProps(name, environment), dependsOn: ["primary"] });
        }
        resources.push(
            { type: COMMAND, name: `${name}-conf`, props: confStepProps(name, environment), dependsOn: [`${name}-data`] },
            {
                type: COMMAND, name: `${name}-seed`, props: seedStepProps(name, standby ? "replica" : "primary", environment),
                dependsOn: standby ? [`${name}-slot`, `${name}-conf`, "passwords", `${name}-data`] : [`${name}-data`, "replication-password"],
            },
            {
                type: CONTAINER, name, props: containerProps(name, { environment }),
                dependsOn: [`${name}-seed`, `${name}-conf`, "network"],
            },
            { type: COMMAND, name: `${name}-ready`, props: readyStepProps(name, environment), dependsOn: [name] },
        );
        if (standby) {
            resources.push({
                type: COMMAND, name: `${name}-conninfo`, props: conninfoStepProps(name, environment),
                dependsOn: [`${name}-ready`, "primary", "passwords"],
            });
        }
    };
    node(primary, false);
    resources.push(
        { type: COMMAND, name: "primary", props: primaryStepProps(primary, environment), dependsOn: [`${primary}-ready`] },
        { type: COMMAND, name: "passwords", props: passwordsStepProps(environment), dependsOn: ["primary"] },
    );
    for (const name of nodes.filter((n) => n !== primary)) {
        node(name, true);
    }
    if (monitoring) {
        for (const name of nodes) {
            resources.push({
                type: CONTAINER, name: `${name}-exporter`, props: exporterProps(name, { environment }), dependsOn: ["passwords", "network"],
            });
        }
        resources.push(
            { type: VOLUME, name: "prometheus-data", props: prometheusVolumeProps(environment) },
            { type: CONTAINER, name: "prometheus", props: prometheusProps({ environment }), dependsOn: ["prometheus-data", "network"] },
        );
    }
    return resources;
}

/**
 * A resource's props as `pulumi preview` shows them to policies before anything exists: whatever
 * the program builds from other resources' outputs is unknown. A command's environment as a whole
 * (it names containers, the network, volumes and the image ID; not the password generator's, a
 * constant), its stdin and triggers; a container's image ID, network and volume names and its
 * seed label (the seed step's output); uploads of init scripts, should a container have any
 * (secret, built from the generated passwords), and the content of an exporter's password and CA
 * certificate files. Nothing else changes, so what the rules can still decide is what they
 * decide on the same resources with everything known.
 */
export function previewProps(type: string, known: Record<string, any>): Record<string, any> {
    const props: Record<string, any> = structuredClone(known);
    if (type === COMMAND) {
        if (props.environment?.PGC_STEP !== "generate-password") {
            props.environment = UNKNOWN_STRING;
        }
        for (const key of ["stdin", "triggers"]) {
            if (key in props) {
                props[key] = UNKNOWN_STRING;
            }
        }
    } else if (type === CONTAINER) {
        props.image = UNKNOWN_STRING;
        for (const network of props.networksAdvanced ?? []) {
            network.name = UNKNOWN_STRING;
        }
        for (const volume of props.volumes ?? []) {
            volume.volumeName = UNKNOWN_STRING;
        }
        for (const label of props.labels ?? []) {
            if (label.label === SEED_LABEL) {
                label.value = UNKNOWN_STRING;
            }
        }
        if ((props.uploads as Array<{ file: string }> | undefined)?.some((u) => u.file.startsWith(INIT_SCRIPT_DIR))) {
            props.uploads = UNKNOWN_STRING;
        } else if (Array.isArray(props.uploads)) {
            // An exporter's password (generated) and CA certificate (the CA step's output).
            for (const upload of props.uploads as Array<{ file: string; content: string }>) {
                if (/(-password|\.crt)$/.test(upload.file)) {
                    upload.content = UNKNOWN_STRING;
                }
            }
        }
    }
    return props;
}

/** A stack as `pulumi preview` shows it (see previewProps). */
export function previewOf(resources: readonly TestResource[]): TestResource[] {
    return resources.map((r) => ({ ...r, props: previewProps(r.type, r.props), dependsOn: [...(r.dependsOn ?? [])] }));
}

export function propsOf(resources: readonly TestResource[], name: string): Record<string, any> {
    const found = resources.find((r) => r.name === name);
    if (found === undefined) {
        throw new Error(`no resource named ${name}`);
    }
    return found.props;
}

export { COMMAND, CONTAINER, NETWORK, REMOTE_IMAGE, VOLUME };

/** Sets a `-c name=value` server setting in a container's command, replacing an earlier one. */
export function setSetting(props: Record<string, any>, name: string, value: string): void {
    removeSetting(props, name);
    props.command.push("-c", `${name}=${value}`);
}

export function removeSetting(props: Record<string, any>, name: string): void {
    const args: string[] = props.command;
    for (let i = args.length - 2; i >= 0; i--) {
        if (args[i] === "-c" && args[i + 1].startsWith(`${name}=`)) {
            args.splice(i, 2);
        }
    }
}

export function setEnv(props: Record<string, any>, name: string, value: string | undefined): void {
    props.envs = (props.envs as string[]).filter((e) => !e.startsWith(`${name}=`));
    if (value !== undefined) {
        props.envs.push(`${name}=${value}`);
    }
}

export function uploadOf(props: Record<string, any>, file: string): { file: string; content: string } {
    const upload = ((props.uploads ?? []) as Array<{ file: string; content: string }>).find((u) => u.file === file);
    if (upload === undefined) {
        throw new Error(`no upload ${file}`);
    }
    return upload;
}

/** Files a container could upload to have the image's entrypoint install them (the program uploads none). */
export const HBA_FILE = "/etc/pg-cluster/pg_hba.conf";
export const INIT_SCRIPT = "/docker-entrypoint-initdb.d/10-replication-role.sh";

/** A container that has the image's entrypoint initialize the cluster: a password file, init script and pg_hba.conf uploaded. */
export function containerWithUploads(node = "pg0"): Record<string, any> {
    const props = containerProps(node);
    props.envs.push("POSTGRES_PASSWORD_FILE=/run/secrets/postgres-password", `POSTGRES_INITDB_ARGS=${INITDB_ARGS}`);
    props.uploads = [
        { file: "/run/secrets/postgres-password", content: "s3cr3t-superuser-password", executable: false },
        { file: INIT_SCRIPT, content: REPLICATION_ROLE_SCRIPT, executable: true },
        { file: HBA_FILE, content: PG_HBA, executable: false },
    ];
    return props;
}

/** An entrypoint init script that creates the replication role (for containerWithUploads). */
export const REPLICATION_ROLE_SCRIPT = [
    "#!/bin/sh",
    "set -eu",
    "psql -v ON_ERROR_STOP=1 --username \"$POSTGRES_USER\" --dbname \"$POSTGRES_DB\" \\",
    "  --set=role=\"$PGC_REPLICATION_USER\" --set=password=\"$(cat /run/secrets/replication-password)\" <<'EOSQL'",
    "CREATE ROLE :\"role\" WITH LOGIN REPLICATION PASSWORD :'password';",
    "EOSQL",
    "cp /etc/pg-cluster/pg_hba.conf \"$PGDATA/pg_hba.conf\"",
    "",
].join("\n");
