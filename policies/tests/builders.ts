// Happy-path props for each kind of resource the program declares. Every test starts from these
// and changes one thing.

import { COMMAND, CONTAINER, INIT_SCRIPT_DIR, NETWORK, REMOTE_IMAGE, VOLUME } from "../lib/types";
import { TestResource, UNKNOWN_STRING } from "./util";

export const STACK = "dev";
/** Names the base backup a replica's data came from (the backup step's output). */
export const BASE_BACKUP_LABEL = "pg-cluster.base-backup";
export const SUBNET = "172.28.0.0/16";
const prefix = (environment: string) => `pg-cluster-${environment === "production" ? "prod" : environment === "staging" ? "staging" : STACK}`;

export const PG_HBA = [
    "# TYPE  DATABASE     USER        ADDRESS          METHOD",
    "local   all          all                          peer",
    "host    all          all         127.0.0.1/32     scram-sha-256",
    "host    all          all         ::1/128          scram-sha-256",
    `host    replication  replicator  ${SUBNET}    scram-sha-256`,
    `host    all          all         ${SUBNET}    scram-sha-256`,
    "",
].join("\n");

export const REPLICATION_ROLE_SCRIPT = [
    "#!/bin/sh",
    "# Runs once, when initdb creates the primary's cluster.",
    "set -eu",
    "psql -v ON_ERROR_STOP=1 --username \"$POSTGRES_USER\" --dbname \"$POSTGRES_DB\" \\",
    "  --set=role=\"$PGC_REPLICATION_USER\" --set=password=\"$(cat /run/secrets/replication-password)\" <<'EOSQL'",
    "CREATE ROLE :\"role\" WITH LOGIN REPLICATION PASSWORD :'password';",
    "EOSQL",
    "cp /etc/pg-cluster/pg_hba.conf \"$PGDATA/pg_hba.conf\"",
    "",
].join("\n");

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
];

export interface NodeOptions {
    role?: "primary" | "replica";
    environment?: "development" | "staging" | "production";
}

/** A PostgreSQL node as the program declares it; the primary publishes 5432 on 127.0.0.1. */
export function containerProps(node = "pg0", options: NodeOptions = {}): Record<string, any> {
    const role = options.role ?? (node === "pg0" ? "primary" : "replica");
    const environment = options.environment ?? "development";
    const props: Record<string, any> = {
        name: `${prefix(environment)}-${node}`,
        image: "postgres:17.6",
        command: [...SERVER_ARGS, "-c", `cluster_name=${node}`],
        envs: [
            "POSTGRES_PASSWORD_FILE=/run/secrets/postgres-password",
            "PGDATA=/var/lib/postgresql/data/pgdata",
            "POSTGRES_INITDB_ARGS=--auth-local=peer --auth-host=scram-sha-256 --data-checksums",
        ],
        uploads: [
            { file: "/run/secrets/postgres-password", content: "s3cr3t-superuser-password", executable: false },
        ],
        healthcheck: {
            tests: ["CMD-SHELL", "pg_isready -U postgres -h 127.0.0.1 -p 5432"],
            interval: "5s",
            timeout: "3s",
            retries: 10,
            startPeriod: "10s",
        },
        restart: "unless-stopped",
        labels: [
            { label: "pg-cluster.project", value: "pg-cluster" },
            { label: "pg-cluster.stack", value: STACK },
            { label: "pg-cluster.node", value: node },
            { label: "pg-cluster.role", value: role },
            { label: "pg-cluster.environment", value: environment },
        ],
        volumes: [{ volumeName: `${prefix(environment)}-${node}-data`, containerPath: "/var/lib/postgresql/data" }],
        memory: 1024,
        shmSize: 256,
        cpuShares: 1024,
        networksAdvanced: [{ name: `${prefix(environment)}-net`, aliases: [node] }],
        wait: true,
        waitTimeout: 120,
    };
    if (role === "replica") {
        props.labels.push({ label: BASE_BACKUP_LABEL, value: `${node} seeded 20261127T000000Z 0123abcd` });
    }
    if (role === "primary") {
        props.ports = [{ internal: 5432, external: 5432, ip: "127.0.0.1" }];
        props.uploads.push(
            { file: "/run/secrets/replication-password", content: "s3cr3t-replication-password", executable: false },
            { file: "/docker-entrypoint-initdb.d/10-replication-role.sh", content: REPLICATION_ROLE_SCRIPT, executable: true },
            { file: "/etc/pg-cluster/pg_hba.conf", content: PG_HBA, executable: false },
        );
    }
    return props;
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

export function slotStepProps(slot = "pg1", environment: NodeOptions["environment"] = "development"): Record<string, any> {
    return {
        environment: {
            PGC_STEP: "replication-slot",
            PGC_SLOT: slot,
            PGC_PRIMARY_CONTAINER: `${prefix(environment)}-pg0`,
        },
        create: "set -eu\ndocker exec \"$PGC_PRIMARY_CONTAINER\" psql -U postgres -v ON_ERROR_STOP=1 " +
            "-c \"SELECT pg_create_physical_replication_slot('$PGC_SLOT')\"\n",
        delete: "set -eu\ndocker exec \"$PGC_PRIMARY_CONTAINER\" psql -U postgres " +
            "-c \"SELECT pg_drop_replication_slot('$PGC_SLOT')\" || true\n",
    };
}

export function baseBackupStepProps(
    node = "pg1", slot = node, environment: NodeOptions["environment"] = "development"): Record<string, any> {
    return {
        environment: {
            PGC_STEP: "base-backup",
            PGC_SLOT: slot,
            PGC_NODE: node,
            PGC_VOLUME: `${prefix(environment)}-${node}-data`,
            PGC_IMAGE: "postgres:17.6",
            PGC_NETWORK: `${prefix(environment)}-net`,
            PGC_PRIMARY_HOST: "pg0",
            PGC_PRIMARY_PORT: "5432",
            PGC_REPLICATION_USER: "replicator",
            PGC_ATTEMPTS: "30",
        },
        stdin: "s3cr3t-replication-password",
        create: "set -eu\nIFS= read -r PGPASSWORD\nexport PGPASSWORD\n" +
            "docker run --rm -i -e PGPASSWORD --network \"$PGC_NETWORK\" -v \"$PGC_VOLUME:/var/lib/postgresql/data\" " +
            "\"$PGC_IMAGE\" pg_basebackup -h \"$PGC_PRIMARY_HOST\" -p \"$PGC_PRIMARY_PORT\" -U \"$PGC_REPLICATION_USER\" " +
            "-D /var/lib/postgresql/data/pgdata -R -X stream -S \"$PGC_SLOT\"\n",
        triggers: [node, slot],
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
            PGC_PRIMARY_CONTAINER: `${prefix(environment)}-pg0`,
            PGC_SUPERUSER: "postgres",
            PGC_REPLICATION_USER: "replicator",
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
            PGC_PRIMARY_HOST: `${prefix(environment)}-pg0`,
            PGC_PRIMARY_PORT: "5432",
            PGC_REPLICATION_USER: "replicator",
        },
        stdin: "s3cr3t-replication-password\n",
        create: "set -eu\nIFS= read -r PGPASSWORD\ndocker exec -i -e PGPASSWORD \"$PGC_REPLICA_CONTAINER\" /usr/local/bin/sync-conninfo\n",
    };
}

/**
 * A complete, valid stack as the program declares it: network, password generator, primary pg0
 * with its readiness and passwords steps, and `replicas` replicas, each with its slot, base backup,
 * container, readiness and conninfo steps.
 */
export function clusterResources(replicas = 2, environment: NodeOptions["environment"] = "development"): TestResource[] {
    const resources: TestResource[] = [
        { type: NETWORK, name: "network", props: { name: `${prefix(environment)}-net`, driver: "bridge", ipamConfigs: [{ subnet: SUBNET }] } },
        { type: COMMAND, name: "replication-password", props: passwordGeneratorProps() },
        { type: VOLUME, name: "pg0-data", props: volumeProps("pg0", environment) },
        { type: CONTAINER, name: "pg0", props: containerProps("pg0", { environment }), dependsOn: ["pg0-data", "network", "replication-password"] },
        { type: COMMAND, name: "pg0-ready", props: readyStepProps("pg0", environment), dependsOn: ["pg0"] },
        { type: COMMAND, name: "pg0-passwords", props: passwordsStepProps(environment), dependsOn: ["pg0-ready"] },
    ];
    for (let i = 1; i <= replicas; i++) {
        const node = `pg${i}`;
        resources.push(
            { type: VOLUME, name: `${node}-data`, props: volumeProps(node, environment) },
            { type: COMMAND, name: `${node}-slot`, props: slotStepProps(node, environment), dependsOn: ["pg0-ready"] },
            {
                type: COMMAND, name: `${node}-base-backup`, props: baseBackupStepProps(node, node, environment),
                dependsOn: [`${node}-slot`, `${node}-data`, "pg0-passwords"],
            },
            { type: CONTAINER, name: node, props: containerProps(node, { environment }), dependsOn: [`${node}-base-backup`] },
            { type: COMMAND, name: `${node}-ready`, props: readyStepProps(node, environment), dependsOn: [node] },
            { type: COMMAND, name: `${node}-conninfo`, props: conninfoStepProps(node, environment), dependsOn: [`${node}-ready`, "pg0-passwords"] },
        );
    }
    return resources;
}

/**
 * A resource's props as `pulumi preview` shows them to policies before anything exists: whatever
 * the program builds from other resources' outputs is unknown. A command's environment as a whole
 * (it names containers, the network, volumes and the image ID; not the password generator's, a
 * constant), its stdin and triggers; a container's image ID, network and volume names, its
 * base-backup label (the backup step's output) and the primary's uploads (secret, built from the
 * generated passwords). Nothing else changes, so what the rules can still decide is what they
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
            if (label.label === BASE_BACKUP_LABEL) {
                label.value = UNKNOWN_STRING;
            }
        }
        if ((props.uploads as Array<{ file: string }> | undefined)?.some((u) => u.file.startsWith(INIT_SCRIPT_DIR))) {
            props.uploads = UNKNOWN_STRING;
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
    const upload = (props.uploads as Array<{ file: string; content: string }>).find((u) => u.file === file);
    if (upload === undefined) {
        throw new Error(`no upload ${file}`);
    }
    return upload;
}

export const HBA_FILE = "/etc/pg-cluster/pg_hba.conf";
export const INIT_SCRIPT = "/docker-entrypoint-initdb.d/10-replication-role.sh";
