// Resource type tokens and label keys of the contract between the Java program and this pack.

export const CONTAINER = "docker:index/container:Container";
export const VOLUME = "docker:index/volume:Volume";
export const NETWORK = "docker:index/network:Network";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
export const COMMAND = "command:local:Command";
/**
 * An explicit docker provider: the program declares one per host of pg-cluster:dockerHosts, named
 * `<prefix>-docker-<host>`, with `host` (the engine's URL) and, for tcp://, `certPath`.
 */
export const DOCKER_PROVIDER = "pulumi:providers:docker";

export const LABEL_PROJECT = "pg-cluster.project";
export const LABEL_STACK = "pg-cluster.stack";
export const LABEL_NODE = "pg-cluster.node";
/** Names the data a node's container starts on (the seed step's output); replaces the container when it changes. */
export const LABEL_SEED = "pg-cluster.seed";
export const LABEL_ENVIRONMENT = "pg-cluster.environment";
/** `pg-cluster.environment` of a production stack's nodes. */
export const ENVIRONMENT_PRODUCTION = "production";
/**
 * Tells the monitoring containers from the nodes (which carry LABEL_NODE instead): `exporter` on
 * each node's postgres_exporter, `prometheus` on the one Prometheus (and its data volume).
 */
export const LABEL_MONITORING = "pg-cluster.monitoring";
export const MONITORING_EXPORTER = "exporter";
export const MONITORING_PROMETHEUS = "prometheus";
/** On an exporter: the node (its `pg-cluster.node`) it watches. */
export const LABEL_MONITORS = "pg-cluster.monitors";
/**
 * `ha: patroni`: on a Patroni member's container, `patroni` (the member is a PostgreSQL node run by
 * Patroni). The program puts no such label on an etcd member's container (it labels it with
 * `pg-cluster.node` and the member's name), so the pack knows one by its entrypoint, `etcd`, or
 * by this label set to `etcd` (see haMemberKind).
 */
export const LABEL_HA_MEMBER = "pg-cluster.ha-member";
export const HA_MEMBER_PATRONI = "patroni";
export const HA_MEMBER_ETCD = "etcd";
/**
 * Tells the backup containers from the nodes (which carry LABEL_NODE instead): `repository` on the
 * pgBackRest repository container, `sidecar` on each node's pgBackRest TLS server.
 */
export const LABEL_BACKUP = "pg-cluster.backup";
export const BACKUP_REPOSITORY = "repository";
/** The step that writes pgBackRest's files on a volume; PGC_BACKUP_ROLE=repository for the repository's. */
export const STEP_BACKUP_FILES = "backup-files";

/** Mirrors the retainOnDelete resource option, which @pulumi/policy 1.21.0 does not expose to policies. */
export const LABEL_RETAIN_ON_DELETE = "pg-cluster.retain-on-delete";

/**
 * `environment.PGC_STEP` values of the command:local:Command steps the rules look for. The program
 * also declares generate-password, ready, passwords, tls-ca and conninfo steps (conninfo and conf set
 * PGC_NODE too), so steps are told apart by PGC_STEP, never by counting commands.
 *
 * Nodes carry no role: the cluster's `primary` step names the primary (PGC_PRIMARY) among all
 * nodes; each node's `seed` step fills its empty volume, initializing the cluster
 * on the primary (PGC_ROLE=primary) or taking a base backup through the node's own slot on a
 * standby (PGC_ROLE=replica).
 */
export const STEP_REPLICATION_SLOT = "replication-slot";
export const STEP_SEED = "seed";
export const STEP_PRIMARY = "primary";
export const STEP_GENERATE_PASSWORD = "generate-password";
/** A node's conf step: pg_hba.conf (PGC_HBA) and, with TLS, the node's key and certificate, beside its data. */
export const STEP_CONF = "conf";
/** A standby's step that points its primary_conninfo at the primary. */
export const STEP_CONNINFO = "conninfo";
/** A CA generation's step: makes the CA key and certificate once (stdout, kept in state as a secret). */
export const STEP_TLS_CA = "tls-ca";

/**
 * `ha: patroni`: a member's step that writes its configuration (PGC_CONFIG: a Patroni member's, or
 * an etcd member's), key and certificates onto its volume; stdin is the secrets file, then
 * SECRETS_END_MARKER, then the control-plane CA's key and certificate.
 */
export const STEP_MEMBER_CONF = "member-conf";
/** `ha: patroni`: the step that makes the DCS hold the declared dynamic configuration (PGC_DCS_CONFIG). */
export const STEP_DCS_CONFIG = "dcs-config";
/** The line of a member-conf step's stdin after the secrets file (init/patroni/member-conf-in-container.sh). */
export const SECRETS_END_MARKER = "# pg-cluster: end of secrets";
/** Patroni's REST API port (the program's PatroniFiles.REST_API_PORT). */
export const PATRONI_REST_API_PORT = 8008;

/** PGC_ROLE of a seed step. */
export const SEED_ROLE_PRIMARY = "primary";
export const SEED_ROLE_REPLICA = "replica";

/** The official image's PGDATA for PostgreSQL 17 when the program does not set one. */
export const DEFAULT_PGDATA = "/var/lib/postgresql/data";
export const POSTGRES_PORT = 5432;
/** The superuser initdb creates (the program's `--username=postgres`). */
export const POSTGRES_SUPERUSER = "postgres";
export const INIT_SCRIPT_DIR = "/docker-entrypoint-initdb.d/";
export const SECRETS_DIR = "/run/secrets/";
