// Happy-path props for each kind of resource the program declares. Every test starts from these
// and changes one thing.

import { COMMAND, CONTAINER, DOCKER_PROVIDER, INIT_SCRIPT_DIR, NETWORK, REMOTE_IMAGE, VOLUME } from "../lib/types";
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
    monitoring = environment !== "development", backup = environment === "production"): TestResource[] {
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
    if (backup) {
        addBackups(resources, nodes, environment);
    }
    return resources;
}

/** The repository's pgBackRest config as the program writes it (repository files step, PGC_BACKUP_CONF). */
export const REPOSITORY_CONF = [
    "# pg-cluster: the backup repository. The cipher passphrase is in conf.d/secrets.conf (0600), not here.",
    "[global]",
    "repo1-path=/var/lib/pgbackrest/repo1",
    "repo1-cipher-type=aes-256-cbc",
    "repo1-retention-full-type=count",
    "repo1-retention-full=2",
    "repo1-retention-diff=6",
    "backup-standby=prefer",
    "",
    "[pg-cluster-prod]",
    "pg1-host=pg-cluster-prod-pg0-backup",
    "",
].join("\n");

/**
 * backup: true (on in the shipped production stack): every node archives through pgBackRest, a
 * repository container on two retained volumes, a pgBackRest sidecar per node, the files steps.
 */
function addBackups(resources: TestResource[], nodes: string[], environment: NodeOptions["environment"] = "development",
    settingsInCommand = true) {
    const name = prefix(environment);
    for (const node of nodes) {
        // A Patroni member's settings are in the DCS configuration (dcsConfig), not its command.
        if (settingsInCommand) {
            propsOf(resources, node).command.push(
                "-c", "unix_socket_directories=/var/run/postgresql,/var/lib/postgresql/data/conf",
                "-c", "archive_mode=on",
                "-c", `archive_command=pgbackrest --config-path=/var/lib/postgresql/data/conf/pgbackrest --stanza=${name} archive-push %p`,
                "-c", "archive_timeout=60s");
        }
        resources.push({
            type: COMMAND, name: `backup-${node}-files`, dependsOn: [`${node}-data`],
            props: {
                create: "#!/bin/sh\n# init/backup/files.sh\n",
                environment: { PGC_STEP: "backup-files", PGC_BACKUP_ROLE: "node", PGC_BACKUP_CONF: "[global]\nrepo1-host-type=tls\n" },
            },
        });
        resources.push({
            type: CONTAINER, name: `${node}-backup`, dependsOn: [`backup-${node}-files`, `${node}-ready`],
            props: backupContainerProps(`${name}-${node}-backup`, "sidecar", environment, ["--config-path=/var/lib/postgresql/data/conf/pgbackrest", "server"]),
        });
    }
    for (const volume of ["backup-repo", "backup-conf"]) {
        resources.push({
            type: VOLUME, name: volume, props: {
                name: `${name}-${volume}`,
                labels: [
                    { label: "pg-cluster.project", value: "pg-cluster" },
                    { label: "pg-cluster.stack", value: STACK },
                    { label: "pg-cluster.backup", value: "repository" },
                    { label: "pg-cluster.retain-on-delete", value: "true" },
                ],
            },
        });
    }
    resources.push(
        {
            type: COMMAND, name: "backup-files", dependsOn: ["backup-conf", "backup-repo"],
            props: {
                create: "#!/bin/sh\n# init/backup/files.sh\n",
                environment: { PGC_STEP: "backup-files", PGC_BACKUP_ROLE: "repository", PGC_BACKUP_CONF: REPOSITORY_CONF },
            },
        },
        {
            type: CONTAINER, name: "backup", dependsOn: ["backup-files"],
            props: backupContainerProps(`${name}-backup`, "repository", environment, ["-c", "…"]),
        },
    );
}

function backupContainerProps(name: string, kind: string, environment: NodeOptions["environment"], command: string[]): Record<string, any> {
    return {
        name,
        image: "postgres:17.6",
        command,
        user: "postgres",
        restart: "unless-stopped",
        labels: [
            { label: "pg-cluster.project", value: "pg-cluster" },
            { label: "pg-cluster.stack", value: STACK },
            { label: "pg-cluster.environment", value: environment },
            { label: "pg-cluster.backup", value: kind },
        ],
        ...hardening([], true),
    };
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

export { COMMAND, CONTAINER, DOCKER_PROVIDER, NETWORK, REMOTE_IMAGE, VOLUME };

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

// ---- ha: patroni --------------------------------------------------------------------------------

/** The line between a member-conf step's secrets file and the control-plane CA on its stdin. */
export const SECRETS_END = "# pg-cluster: end of secrets";
/** The control-plane CA (etcd, Patroni's REST API), apart from PostgreSQL's. */
export const CONTROL_PLANE_CA = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49controlPlaneCAKey\n-----END PRIVATE KEY-----\n" +
    "-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIUcontrolPlaneCACertificate\n-----END CERTIFICATE-----\n";
export const REST_API_PASSWORD = "s3cr3t-restapi-password";
export const ETCD_IMAGE = "quay.io/coreos/etcd:v3.5.16";
export const PATRONI_IMAGE = "registry.example.com/pg-cluster/patroni:17.6-4.0.7";
const CONF = "/var/lib/postgresql/data/conf";
const ETCD_CONF = "/var/lib/etcd/conf";

/** The Patroni members' names pg0…pg<replicas> and the etcd members' etcd0…etcd<dcsMembers - 1>. */
export function patroniNames(replicas: number, dcsMembers: number): { nodes: string[]; etcd: string[] } {
    return {
        nodes: Array.from({ length: replicas + 1 }, (_, i) => `pg${i}`),
        etcd: Array.from({ length: dcsMembers }, (_, i) => `etcd${i}`),
    };
}

/**
 * The dynamic configuration the program keeps in the DCS: Patroni's timings, the failover bound
 * (16 MiB, pg-cluster's default), asynchronous replication (Patroni's default), slots and
 * pg_rewind, and the PostgreSQL settings every member shares (those of ha: none but
 * listen_addresses, which Patroni sets itself).
 */
export function dcsConfig(): Record<string, any> {
    return {
        ttl: 20,
        loop_wait: 5,
        retry_timeout: 7,
        maximum_lag_on_failover: 16777216,
        synchronous_mode: false,
        synchronous_node_count: 1,
        failsafe_mode: false,
        postgresql: {
            use_pg_rewind: true,
            use_slots: true,
            parameters: {
                wal_level: "replica",
                max_wal_senders: "10",
                max_replication_slots: "10",
                wal_keep_size: "256MB",
                max_slot_wal_keep_size: "1GB",
                hot_standby: "on",
                wal_log_hints: "on",
                password_encryption: "scram-sha-256",
                hba_file: `${CONF}/pg_hba.conf`,
                ssl: "on",
                ssl_cert_file: `${CONF}/server.crt`,
                ssl_key_file: `${CONF}/server.key`,
                ssl_min_protocol_version: "TLSv1.3",
                // backup: true (on in the shipped production stack; here in every Patroni stack).
                archive_mode: "on",
                archive_command: "pgbackrest --config-path=/var/lib/postgresql/data/conf/pgbackrest --stanza=pg-cluster-prod archive-push %p",
                archive_timeout: "60s",
            },
        },
    };
}

/** A Patroni member's configuration as the program writes it: everything but its passwords. */
export function patroniConfig(node: string, environment: NodeOptions["environment"] = "development", dcsMembers = 3): Record<string, any> {
    const host = `${prefix(environment)}-${node}`;
    const tls = { sslmode: "verify-full", sslrootcert: `${CONF}/ca.crt` };
    return {
        scope: prefix(environment),
        namespace: "/service/",
        name: node,
        restapi: {
            listen: "0.0.0.0:8008",
            connect_address: `${host}:8008`,
            certfile: `${CONF}/member.crt`,
            keyfile: `${CONF}/member.key`,
            cafile: `${CONF}/dcs-ca.crt`,
            verify_client: "required",
        },
        etcd3: {
            hosts: patroniNames(0, dcsMembers).etcd.map((e) => `${prefix(environment)}-${e}:2379`),
            protocol: "https",
            cacert: `${CONF}/dcs-ca.crt`,
            cert: `${CONF}/member.crt`,
            key: `${CONF}/member.key`,
        },
        bootstrap: {
            dcs: dcsConfig(),
            initdb: ["data-checksums", { encoding: "UTF8" }, { "auth-local": "peer" }, { "auth-host": "scram-sha-256" }],
        },
        postgresql: {
            listen: "0.0.0.0:5432",
            connect_address: `${host}:5432`,
            data_dir: "/var/lib/postgresql/data/pgdata",
            bin_dir: "/usr/lib/postgresql/17/bin",
            pgpass: `${CONF}/pgpass`,
            use_unix_socket: true,
            authentication: {
                superuser: { username: "postgres" },
                replication: { username: "replicator", ...tls },
                rewind: { username: "replicator", ...tls },
            },
            parameters: { unix_socket_directories: "/var/run/postgresql" },
        },
        watchdog: { mode: "off" },
        tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
    };
}

/** An etcd member's configuration (`etcd --config-file`): static membership, TLS for clients and peers. */
export function etcdConfig(member: string, environment: NodeOptions["environment"] = "development", dcsMembers = 3): Record<string, any> {
    const host = `${prefix(environment)}-${member}`;
    const security = {
        "cert-file": `${ETCD_CONF}/member.crt`,
        "key-file": `${ETCD_CONF}/member.key`,
        "trusted-ca-file": `${ETCD_CONF}/dcs-ca.crt`,
        "client-cert-auth": true,
    };
    return {
        "name": member,
        "data-dir": "/var/lib/etcd/data",
        "listen-client-urls": "https://0.0.0.0:2379",
        "advertise-client-urls": `https://${host}:2379`,
        "listen-peer-urls": "https://0.0.0.0:2380",
        "initial-advertise-peer-urls": `https://${host}:2380`,
        "initial-cluster": patroniNames(0, dcsMembers).etcd.map((e) => `${e}=https://${prefix(environment)}-${e}:2380`).join(","),
        "initial-cluster-state": "new",
        "client-transport-security": { ...security },
        "peer-transport-security": { ...security },
        "tls-min-version": "TLS1.3",
    };
}

/** A Patroni member's configuration text: JSON under a comment line, as the program writes it. */
export function patroniConfigText(config: Record<string, any>): string {
    return `# Patroni configuration of ${String(config.name)}, written by pg-cluster\n${JSON.stringify(config, null, 2)}\n`;
}

/**
 * A member's member-conf step: writes its configuration (PGC_CONFIG), key and certificates onto its
 * volume; stdin is its secrets file (a Patroni member's passwords; none for etcd), the end marker,
 * then the control-plane CA.
 */
export function memberConfStepProps(
    member: string, config: Record<string, any>, environment: NodeOptions["environment"] = "development"): Record<string, any> {
    const etcd = member.startsWith("etcd");
    const secrets = etcd ? "" : JSON.stringify({
        restapi: { authentication: { username: "patroni", password: REST_API_PASSWORD } },
        postgresql: { authentication: { replication: { password: "s3cr3t-replication-password" } } },
    }, null, 2) + "\n";
    const env: Record<string, string> = {
        PGC_STEP: "member-conf",
        PGC_NODE: member,
        PGC_CONTAINER: `${prefix(environment)}-${member}`,
        PGC_VOLUME: `${prefix(environment)}-${member}-data`,
        PGC_MOUNT: etcd ? "/var/lib/etcd" : "/var/lib/postgresql/data",
        PGC_IMAGE: PATRONI_IMAGE,
        PGC_DIR: etcd ? ETCD_CONF : CONF,
        PGC_OWNER: etcd ? "65532:65532" : "postgres:postgres",
        PGC_CONFIG_FILE: etcd ? "etcd.conf.yml" : "patroni/00-patroni.yml",
        PGC_CONFIG: etcd ? `${JSON.stringify(config, null, 2)}\n` : patroniConfigText(config),
        PGC_CONF_SCRIPT: "set -eu\nwhile IFS= read -r line; do [ \"$line\" != \"" + SECRETS_END + "\" ] || break; done\n",
    };
    if (!etcd) {
        env.PGC_SECRETS_FILE = "patroni/10-secrets.yml";
        env.PGC_RELOAD = "hup";
    }
    return {
        environment: env,
        stdin: `${secrets}${SECRETS_END}\n${CONTROL_PLANE_CA}`,
        create: "set -eu\ndocker run -i --rm --volume \"$PGC_VOLUME:$PGC_MOUNT\" \"$PGC_IMAGE\" sh -c \"$PGC_CONF_SCRIPT\"\n",
        triggers: [`${prefix(environment)}-${member}-data`],
    };
}

/** A Patroni member's container: Patroni as PID 1 (no postgres -c settings), hardened, its data on its volume. */
export function patroniContainerProps(node = "pg0", options: NodeOptions = {}): Record<string, any> {
    const environment = options.environment ?? "development";
    const index = Number(node.replace(/^\D+/, "")) || 0;
    return {
        name: `${prefix(environment)}-${node}`,
        hostname: node,
        image: PATRONI_IMAGE,
        user: "postgres",
        entrypoints: ["patroni"],
        command: [`${CONF}/patroni`],
        envs: ["PGDATA=/var/lib/postgresql/data/pgdata"],
        healthcheck: {
            tests: ["CMD-SHELL", "python3 -c 'import urllib.request; urllib.request.urlopen(\"https://localhost:8008/readiness\")'"],
            interval: "2s",
            timeout: "5s",
            retries: 3,
            startPeriod: "0s",
        },
        restart: "unless-stopped",
        labels: [
            { label: "pg-cluster.project", value: "pg-cluster" },
            { label: "pg-cluster.stack", value: STACK },
            { label: "pg-cluster.node", value: node },
            { label: "pg-cluster.environment", value: environment },
            { label: "pg-cluster.ha-member", value: "patroni" },
        ],
        volumes: [{ volumeName: `${prefix(environment)}-${node}-data`, containerPath: "/var/lib/postgresql/data" }],
        ports: [{ internal: 5432, external: 15432 + index, ip: "127.0.0.1" }],
        memory: 1024,
        shmSize: 256,
        networksAdvanced: [{ name: `${prefix(environment)}-net`, aliases: [node] }],
        wait: false,
        ...hardening([], true),
        tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m", "/var/run/postgresql": "rw,noexec,nosuid,size=1m,uid=999,gid=999,mode=0700" },
    };
}

/**
 * An etcd member's container as the program declares it: etcd's own image, labelled with its
 * member name as pg-cluster.node (and no pg-cluster.ha-member: the pack tells it by its entrypoint).
 */
export function etcdContainerProps(member = "etcd0", options: NodeOptions = {}): Record<string, any> {
    const environment = options.environment ?? "development";
    return {
        name: `${prefix(environment)}-${member}`,
        hostname: member,
        image: ETCD_IMAGE,
        user: "65532:65532",
        entrypoints: ["etcd"],
        command: ["--config-file", `${ETCD_CONF}/etcd.conf.yml`],
        healthcheck: {
            tests: ["CMD", "etcdctl", "--endpoints=https://127.0.0.1:2379", `--cacert=${ETCD_CONF}/dcs-ca.crt`,
                `--cert=${ETCD_CONF}/member.crt`, `--key=${ETCD_CONF}/member.key`, "endpoint", "health"],
            interval: "1s",
            timeout: "3s",
            retries: 3,
        },
        restart: "unless-stopped",
        labels: [
            { label: "pg-cluster.project", value: "pg-cluster" },
            { label: "pg-cluster.stack", value: STACK },
            { label: "pg-cluster.node", value: member },
            { label: "pg-cluster.environment", value: environment },
        ],
        volumes: [{ volumeName: `${prefix(environment)}-${member}-data`, containerPath: "/var/lib/etcd" }],
        networksAdvanced: [{ name: `${prefix(environment)}-net`, aliases: [member] }],
        wait: false,
        ...hardening([], true),
        tmpfs: { "/tmp": "rw,noexec,nosuid,size=16m" },
    };
}

/** The step that makes the DCS hold the declared dynamic configuration (PATCH /config on a running member). */
export function dcsConfigStepProps(config: Record<string, any> = dcsConfig(), environment: NodeOptions["environment"] = "development",
    replicas = 2): Record<string, any> {
    return {
        environment: {
            PGC_STEP: "dcs-config",
            PGC_MEMBER_CONTAINERS: patroniNames(replicas, 0).nodes.map((n) => `${prefix(environment)}-${n}`).join(" "),
            PGC_DCS_CONFIG: JSON.stringify(config, null, 2),
            PGC_PATCH_SCRIPT: "import json, sys\nwanted = json.load(sys.stdin)\n",
        },
        create: "set -eu\nprintf '%s\\n' \"$PGC_DCS_CONFIG\" | docker exec -i \"$container\" python3 -c \"$PGC_PATCH_SCRIPT\"\n",
        logging: "stdoutAndStderr",
    };
}

/**
 * A complete `ha: patroni` stack as the program declares it: the control-plane CA; etcd members
 * (volume, member-conf step, container, readiness); Patroni members pg0…pg<replicas> (volume, the
 * conf step every mode shares, member-conf step, container waiting for the DCS, readiness); the
 * dcs-config and passwords steps after every member is ready. No seed, slot, primary or conninfo
 * step: Patroni makes the cluster, the copies and the slots, and elects the leader. With monitoring
 * (staging and production) an exporter per member and one Prometheus.
 */
export function patroniClusterResources(
    replicas = 2, environment: NodeOptions["environment"] = "development", dcsMembers = 3,
    monitoring = environment !== "development", backup = environment === "production"): TestResource[] {
    const { nodes, etcd } = patroniNames(replicas, dcsMembers);
    const resources: TestResource[] = [
        { type: NETWORK, name: "network", props: { name: `${prefix(environment)}-net`, driver: "bridge", ipamConfigs: [{ subnet: SUBNET }] } },
        { type: COMMAND, name: "replication-password", props: passwordGeneratorProps() },
        { type: COMMAND, name: "restapi-password", props: passwordGeneratorProps() },
        { type: COMMAND, name: "dcs-ca", props: { environment: { PGC_STEP: "tls-ca", PGC_CA_NAME: "control-plane CA" }, create: "make-ca\n" } },
    ];
    for (const member of etcd) {
        resources.push(
            { type: VOLUME, name: `${member}-data`, props: volumeProps(member, environment) },
            {
                type: COMMAND, name: `${member}-member-conf`, props: memberConfStepProps(member, etcdConfig(member, environment, dcsMembers), environment),
                dependsOn: [`${member}-data`, "dcs-ca"],
            },
            { type: CONTAINER, name: member, props: etcdContainerProps(member, { environment }), dependsOn: [`${member}-member-conf`, "network"] },
            { type: COMMAND, name: `${member}-ready`, props: readyStepProps(member, environment), dependsOn: [member] },
        );
    }
    for (const node of nodes) {
        resources.push(
            { type: VOLUME, name: `${node}-data`, props: volumeProps(node, environment) },
            { type: COMMAND, name: `${node}-conf`, props: confStepProps(node, environment), dependsOn: [`${node}-data`] },
            {
                type: COMMAND, name: `${node}-member-conf`,
                props: memberConfStepProps(node, patroniConfig(node, environment, dcsMembers), environment),
                dependsOn: [`${node}-conf`, "dcs-ca", "restapi-password", "replication-password"],
            },
            {
                type: CONTAINER, name: node, props: patroniContainerProps(node, { environment }),
                dependsOn: [...etcd.map((e) => `${e}-ready`), `${node}-conf`, `${node}-member-conf`, "network"],
            },
            { type: COMMAND, name: `${node}-ready`, props: readyStepProps(node, environment), dependsOn: [node] },
        );
    }
    const ready = nodes.map((n) => `${n}-ready`);
    const passwords = passwordsStepProps(environment);
    delete passwords.environment.PGC_PRIMARY_CONTAINER;
    passwords.environment.PGC_MEMBER_CONTAINERS = nodes.map((n) => `${prefix(environment)}-${n}`).join(" ");
    resources.push(
        { type: COMMAND, name: "dcs-config", props: dcsConfigStepProps(dcsConfig(), environment, replicas), dependsOn: ready },
        { type: COMMAND, name: "passwords", props: passwords, dependsOn: ready },
    );
    if (monitoring) {
        for (const node of nodes) {
            resources.push({ type: CONTAINER, name: `${node}-exporter`, props: exporterProps(node, { environment }), dependsOn: ["passwords", "network"] });
        }
        resources.push(
            { type: VOLUME, name: "prometheus-data", props: prometheusVolumeProps(environment) },
            { type: CONTAINER, name: "prometheus", props: prometheusProps({ environment }), dependsOn: ["prometheus-data", "network"] },
        );
    }
    if (backup) {
        addBackups(resources, nodes, environment, false);
    }
    return resources;
}

/**
 * The Docker engines of pg-cluster:dockerHosts in these tests: tcp:// on other machines, with TLS
 * verified against the CA in certPath, as the program requires for tcp://.
 */
export const DOCKER_HOSTS: Readonly<Record<string, string>> = {
    h1: "tcp://10.0.0.11:2376",
    h2: "tcp://10.0.0.12:2376",
    h3: "tcp://10.0.0.13:2376",
};
/** The directory with ca.pem, cert.pem and key.pem that a host's certPath names. */
export const DOCKER_CERT_PATH = "/etc/pg-cluster/docker-tls";

/** A host's docker provider as the program declares it: `host`, and `certPath` for tcp://. */
export function dockerProviderProps(endpoint: string = DOCKER_HOSTS.h1): Record<string, any> {
    return endpoint.startsWith("tcp://") ? { host: endpoint, certPath: DOCKER_CERT_PATH } : { host: endpoint };
}

/** The program's name for a host's provider: `<prefix>-docker-<host>`. */
export function dockerProviderName(host: string, environment: NodeOptions["environment"] = "development"): string {
    return `${prefix(environment)}-docker-${host}`;
}

/** The stack's members (nodes and etcd members, by resource name), each on the next host in turn: pg0 on h1, pg1 on h2, … */
export function roundRobin(resources: readonly TestResource[], hosts: readonly string[] = Object.keys(DOCKER_HOSTS)): Record<string, string> {
    const placement: Record<string, string> = {};
    for (const kind of [/^pg\d+$/, /^etcd\d+$/]) {
        const members = resources.filter((r) => r.type === CONTAINER && kind.test(r.name)).map((r) => r.name);
        members.forEach((m, i) => (placement[m] = hosts[i % hosts.length]));
    }
    return placement;
}

/**
 * The stack with its members placed on Docker hosts as pg-cluster:placement places them: one docker
 * provider per host used (endpoints from `endpoints`), and each member's container, its volume and
 * (a node's) its exporter on that host's provider. Members not in `placement` stay on the default
 * provider. (The program also declares a network and an image per host; no rule reads them.)
 */
export function placedOnHosts(
    resources: readonly TestResource[], placement: Readonly<Record<string, string>>,
    environment: NodeOptions["environment"] = "development", endpoints: Readonly<Record<string, string>> = DOCKER_HOSTS): TestResource[] {
    const hosts = [...new Set(Object.values(placement))].sort();
    const providers: TestResource[] = hosts.map((host) => ({
        type: DOCKER_PROVIDER, name: dockerProviderName(host, environment), props: dockerProviderProps(endpoints[host]),
    }));
    const hostOf = (r: TestResource) =>
        r.type === CONTAINER || r.type === VOLUME ? placement[r.name] ?? placement[r.name.replace(/-(data|exporter)$/, "")] : undefined;
    return [...providers, ...resources.map((r) => {
        const host = hostOf(r);
        return host === undefined ? { ...r } : { ...r, provider: dockerProviderName(host, environment) };
    })];
}

/** The stack spread over the three DOCKER_HOSTS, members in turn (roundRobin). */
export function spreadOverHosts(resources: readonly TestResource[], environment: NodeOptions["environment"] = "development"): TestResource[] {
    return placedOnHosts(resources, roundRobin(resources), environment);
}

/** Changes the JSON configuration in a step's environment variable (PGC_CONFIG, PGC_DCS_CONFIG), keeping its comment lines. */
export function editConfig(props: Record<string, any>, variable: string, change: (config: Record<string, any>) => void): void {
    const text: string = props.environment[variable];
    const lines = text.split("\n");
    const comments = lines.filter((l) => l.startsWith("#"));
    const config = JSON.parse(lines.filter((l) => !l.startsWith("#")).join("\n"));
    change(config);
    props.environment[variable] = [...comments, JSON.stringify(config, null, 2)].join("\n") + (text.endsWith("\n") ? "\n" : "");
}

/**
 * Changes the DCS configuration everywhere the stack declares it alike: the dcs-config step's and
 * every Patroni member's bootstrap.dcs.
 */
export function editDcs(resources: readonly TestResource[], change: (dcs: Record<string, any>) => void): void {
    for (const r of resources) {
        if (r.type !== COMMAND) {
            continue;
        }
        if (r.props.environment?.PGC_STEP === "dcs-config") {
            editConfig(r.props, "PGC_DCS_CONFIG", change);
        } else if (r.props.environment?.PGC_STEP === "member-conf" && !String(r.props.environment.PGC_NODE).startsWith("etcd")) {
            editConfig(r.props, "PGC_CONFIG", (c) => change(c.bootstrap.dcs));
        }
    }
}

/** Sets (or, with undefined, removes) a PostgreSQL parameter of the DCS configuration everywhere it is declared. */
export function setDcsParameter(resources: readonly TestResource[], name: string, value: string | undefined): void {
    editDcs(resources, (dcs) => {
        if (value === undefined) {
            delete dcs.postgresql.parameters[name];
        } else {
            dcs.postgresql.parameters[name] = value;
        }
    });
}

/** The dcs-config step's props, its DCS configuration changed (dcsConfig() as the program declares it). */
export function dcsConfigStepWith(change: (dcs: Record<string, any>) => void = () => {}): Record<string, any> {
    const props = dcsConfigStepProps();
    editConfig(props, "PGC_DCS_CONFIG", change);
    return props;
}

/** A Patroni member's member-conf step's props, its configuration (patroniConfig) changed. */
export function patroniMemberConfWith(node = "pg1", change: (config: Record<string, any>) => void = () => {}): Record<string, any> {
    const props = memberConfStepProps(node, patroniConfig(node));
    editConfig(props, "PGC_CONFIG", change);
    return props;
}

/** How the resource rules about settings start a message about a dcs-config step named dcs-config. */
export const IN_DCS_CONFIG = "In the DCS configuration (PGC_DCS_CONFIG of step dcs-config, postgresql.parameters)";
/** How they start one about a Patroni member's member-conf step. */
export const inMemberConfig = (step: string) =>
    `In the Patroni configuration of step ${step} (PGC_CONFIG: bootstrap.dcs.postgresql.parameters and its own postgresql.parameters)`;
