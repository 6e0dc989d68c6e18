// Every rule during `pulumi preview`, where inputs the program builds from other resources' outputs
// are unknown (the engine sends UNKNOWN_STRING, which the policy proxy turns into an
// UnknownValueError on read). A value that is unknown never draws a violation on its own: a rule
// that cannot decide stays silent and decides during the update. What is known is still checked.
// Each table row: a preview-like stack or resource, and exactly the violations expected.

import { describe, it } from "node:test";
import { ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { policies } from "../rules";
import { boundedSlotWal } from "../rules/boundedSlotWal";
import { containersHardened } from "../rules/containersHardened";
import { dataInNamedVolume } from "../rules/dataInNamedVolume";
import { dockerEndpointTls } from "../rules/dockerEndpointTls";
import { healthcheckAndRestart } from "../rules/healthcheckAndRestart";
import { hotStandbyOn } from "../rules/hotStandbyOn";
import { noNetworkSuperuserLogin } from "../rules/noNetworkSuperuserLogin";
import { noPlaintextPasswords } from "../rules/noPlaintextPasswords";
import { noPublicPostgresPort } from "../rules/noPublicPostgresPort";
import { noTrustAuthDefaults } from "../rules/noTrustAuthDefaults";
import { patroniBoundedFailoverLag } from "../rules/patroniBoundedFailoverLag";
import { patroniControlPlaneTls } from "../rules/patroniControlPlaneTls";
import { patroniDcsMembers } from "../rules/patroniDcsMembers";
import { pgHbaOnEveryNode } from "../rules/pgHbaOnEveryNode";
import { pgHbaTlsOnly } from "../rules/pgHbaTlsOnly";
import { pgRewindReady } from "../rules/pgRewindReady";
import { pinnedImage } from "../rules/pinnedImage";
import { primaryIsANode } from "../rules/primaryIsANode";
import { productionAutomaticFailover } from "../rules/productionAutomaticFailover";
import { productionBackups } from "../rules/productionBackups";
import { productionMemoryLimit } from "../rules/productionMemoryLimit";
import { productionMonitoring } from "../rules/productionMonitoring";
import { productionSpreadOverHosts } from "../rules/productionSpreadOverHosts";
import { productionVolumesRetained } from "../rules/productionVolumesRetained";
import { replicaBootstrappedFromOwnSlot } from "../rules/replicaBootstrappedFromOwnSlot";
import { replicationRoleNotSuperuser } from "../rules/replicationRoleNotSuperuser";
import { roleNamesNotReserved } from "../rules/roleNamesNotReserved";
import { scramPasswordEncryption } from "../rules/scramPasswordEncryption";
import { securePgHba } from "../rules/securePgHba";
import { shmSize } from "../rules/shmSize";
import { sslOnEveryNode } from "../rules/sslOnEveryNode";
import { synchronousStandbysExist } from "../rules/synchronousStandbysExist";
import { tlsVerifyFull } from "../rules/tlsVerifyFull";
import { walSettingsFitReplicas } from "../rules/walSettingsFitReplicas";
import {
    clusterResources, COMMAND, confStepProps, conninfoStepProps, containerProps, CONTAINER, containerWithUploads, dcsConfig, dcsConfigStepProps,
    DOCKER_HOSTS, DOCKER_PROVIDER, dockerProviderProps, exporterProps, HBA_FILE, INIT_SCRIPT, INIT_SCRIPT_TEXT, NodeOptions,
    passwordGeneratorProps, passwordsStepProps, patroniClusterResources, PG_HBA, placedOnHosts, previewOf, previewProps, primaryStepProps,
    REMOTE_IMAGE, remoteImageProps, REPLICATION_ROLE_SCRIPT, seedStepProps, setEnv, setSetting, slotStepProps, spreadOverHosts, uploadOf,
} from "./builders";
import { AnyPolicy, assertHasViolations, resourceArgs, stackArgs, TestResource, UNKNOWN_STRING } from "./util";

type Args = ResourceValidationArgs | StackValidationArgs;

interface Case {
    name: string;
    args: () => Args;
    /** Exactly these violations; none for a preview-like happy path. */
    violations: string[];
}

// ---- Preview-like inputs ------------------------------------------------------------------------

/** The whole stack as preview shows it: every command's environment unknown (bar the generator's), … */
const NO_BACKUPS = "Production stack has no backups: no pgBackRest repository container (labelled pg-cluster.backup=repository), "
    + "so a dropped table or a bad migration, which replication copies to every standby at once, cannot be undone; turn them "
    + "on with `pulumi config set pg-cluster:backup true`.";
const previewCluster = (replicas = 2, environment: NodeOptions["environment"] = "development") =>
    previewOf(clusterResources(replicas, environment));

/** Preview with the commands' environments known: only the containers' computed inputs are unknown. */
const previewContainers = (replicas = 2, environment: NodeOptions["environment"] = "development") =>
    clusterResources(replicas, environment).map((r) => (r.type === CONTAINER ? { ...r, props: previewProps(r.type, r.props) } : r));

/** A node's container as preview shows it (image ID, network and volume names, seed label unknown). */
const previewNode = (node = "pg0", options: NodeOptions = {}) => previewProps(CONTAINER, containerProps(node, options));

/** A seed step as preview shows it: its environment (and stdin, triggers) unknown. */
const previewSeed = (node = "pg0") => previewProps(COMMAND, seedStepProps(node));

/** A conf step as preview shows it: its environment (it names the volume and the image) and stdin unknown. */
const previewConf = (node = "pg1") => previewProps(COMMAND, confStepProps(node));

/** A container with uploads whose password files' contents (secret, generated) are unknown. */
const uploadsWithUnknownPasswords = () => {
    const props = containerWithUploads("pg0");
    for (const upload of props.uploads as Array<{ file: string; content: string }>) {
        if (upload.file.startsWith("/run/secrets/")) {
            upload.content = UNKNOWN_STRING;
        }
    }
    return props;
};

/** The preview stack with one step's environment known again (its stdin and triggers stay unknown). */
const knowing = (resources: TestResource[], name: string, environment: Record<string, string>) =>
    edit(resources, name, (r) => (r.props.environment = environment));

const container = (props: Record<string, any>) => resourceArgs(CONTAINER, props);
const command = (props: Record<string, any>) => resourceArgs(COMMAND, props);

function edit(resources: TestResource[], name: string, change: (r: TestResource) => void): TestResource[] {
    const found = resources.find((r) => r.name === name);
    if (found === undefined) {
        throw new Error(`no resource named ${name}`);
    }
    change(found);
    return resources;
}

function without(resources: TestResource[], name: string): TestResource[] {
    return resources
        .filter((r) => r.name !== name)
        .map((r) => ({ ...r, dependsOn: (r.dependsOn ?? []).filter((d) => d !== name) }));
}

const unknownLabel = (props: Record<string, any>, label: string) => {
    props.labels.find((l: { label: string }) => l.label === label).value = UNKNOWN_STRING;
    return props;
};

// ---- Expected messages --------------------------------------------------------------------------

const NO_SEED = (node: string) =>
    `Node ${node} has no seed step (a command:local:Command with PGC_STEP=seed and PGC_NODE=${node}); ` +
    "its container would start on an empty data volume.";
const NO_REPLICATION_ROLE =
    "PGC_INIT_SCRIPT of the primary's seed step creates no replication role (CREATE ROLE … REPLICATION); " +
    "standbys would have to connect as the superuser.";
const SUPERUSER_ROLE = (where: string) =>
    `${where} gives the replication role SUPERUSER; grant it only LOGIN and REPLICATION, since every standby stores its password.`;
const NOT_A_NODE = (primary: string, nodes: string) =>
    `The primary step names "${primary}" as the primary but no node container of this stack is named so (nodes: ${nodes}); ` +
    "set pg-cluster:primary to one of them.";

// ---- The table ----------------------------------------------------------------------------------

const table: Array<[AnyPolicy, Case[]]> = [
    [noPublicPostgresPort, [
        { name: "passes the preview primary", args: () => container(previewNode("pg0")), violations: [] },
        {
            name: "skips a port whose internal port is unknown",
            args: () => container({ ...previewNode("pg0"), ports: [{ internal: UNKNOWN_STRING, external: 5432 }] }),
            violations: [],
        },
        { name: "skips a port list that is unknown", args: () => container({ ...previewNode("pg0"), ports: UNKNOWN_STRING }), violations: [] },
        {
            name: "reports 5432 on 0.0.0.0 next to a port that is unknown",
            args: () => container({ ...previewNode("pg0"), ports: [UNKNOWN_STRING, { internal: 5432, external: 5432, ip: "0.0.0.0" }] }),
            violations: [
                "PostgreSQL port 5432 is published on all interfaces (ip \"0.0.0.0\"); " +
                "bind it to 127.0.0.1 or another specific address, or set allowPublicPorts: true in this policy's config.",
            ],
        },
    ]],
    [securePgHba, [
        { name: "passes the preview primary seed, whose environment is unknown", args: () => command(previewSeed("pg0")), violations: [] },
        { name: "passes the preview node container", args: () => container(previewNode("pg0")), violations: [] },
        { name: "passes the preview conf step, whose environment is unknown", args: () => command(previewConf("pg1")), violations: [] },
        {
            name: "reports trust in the known PGC_HBA of a conf step whose stdin is unknown",
            args: () => {
                const props = previewConf("pg1");
                props.environment = confStepProps("pg1").environment;
                props.environment.PGC_HBA += "hostssl all all 10.0.0.0/8 trust\n";
                return resourceArgs(COMMAND, props, { name: "pg1-conf" });
            },
            violations: [
                "pg_hba rule \"hostssl all all 10.0.0.0/8 trust\" in PGC_HBA of conf step pg1-conf uses auth method trust, which accepts " +
                "connections without any password; use scram-sha-256 (or peer for local).",
            ],
        },
        {
            name: "reports trust in a known uploaded pg_hba.conf next to password files that are unknown",
            args: () => {
                const props = uploadsWithUnknownPasswords();
                uploadOf(props, HBA_FILE).content += "host all all 10.0.0.0/8 trust\n";
                return container(props);
            },
            violations: [
                `pg_hba rule "host all all 10.0.0.0/8 trust" in ${HBA_FILE} uses auth method trust, which accepts connections ` +
                "without any password; use scram-sha-256 (or peer for local).",
            ],
        },
    ]],
    [pgHbaOnEveryNode, [
        { name: "passes the preview stack", args: () => stackArgs(previewCluster(2)), violations: [] },
        {
            name: "does not report a missing conf step while a command may be it",
            args: () => stackArgs(without(previewCluster(2), "pg1-conf")),
            violations: [],
        },
        {
            name: "does not compare pg_hba.conf while a conf step's PGC_HBA is unknown",
            args: () => {
                const resources = edit(previewContainers(2), "pg1-conf", (r) => (r.props.environment.PGC_HBA += "# pg1 only\n"));
                return stackArgs(edit(resources, "pg2-conf", (r) => (r.props.environment.PGC_HBA = UNKNOWN_STRING)));
            },
            violations: [],
        },
        {
            name: "reports a node without a conf step once every step is known",
            args: () => stackArgs(without(previewContainers(2), "pg1-conf")),
            violations: [
                "Node pg1 has no conf step (a command:local:Command with PGC_STEP=conf and PGC_NODE=pg1); nothing writes " +
                "the pg_hba.conf (and certificate) it reads.",
            ],
        },
    ]],
    [noNetworkSuperuserLogin, [
        { name: "passes the preview conf step, whose environment is unknown", args: () => command(previewConf("pg1")), violations: [] },
        { name: "passes the preview node container", args: () => container(previewNode("pg1")), violations: [] },
        {
            name: "skips a known PGC_HBA while PGC_SUPERUSER is unknown",
            args: () => {
                const props = previewConf("pg1");
                props.environment = { ...confStepProps("pg1").environment, PGC_HBA: "hostssl all all all scram-sha-256\n", PGC_SUPERUSER: UNKNOWN_STRING };
                return command(props);
            },
            violations: [],
        },
        {
            name: "reports a known PGC_HBA without the superuser's reject, next to a stdin that is unknown",
            args: () => {
                const props = previewConf("pg1");
                props.environment = confStepProps("pg1").environment;
                props.environment.PGC_HBA = PG_HBA.split("\n").filter((l) => !/^hostssl all +postgres /.test(l)).join("\n");
                return resourceArgs(COMMAND, props, { name: "pg1-conf" });
            },
            violations: [
                "pg_hba rule \"hostssl all          all         all              scram-sha-256\" in PGC_HBA of conf step pg1-conf lets the " +
                "superuser \"postgres\" log in over the network, and no line before it rejects the superuser; put " +
                "\"hostssl all postgres all reject\" above it (the superuser administers through docker exec and the local socket, " +
                "never over the network).",
            ],
        },
    ]],
    [sslOnEveryNode, [
        { name: "passes the preview node", args: () => container(previewNode("pg1")), violations: [] },
        { name: "skips a node whose command is unknown", args: () => container({ ...previewNode("pg1"), command: UNKNOWN_STRING }), violations: [] },
        {
            name: "reports ssl=off",
            args: () => {
                const props = previewNode("pg1");
                setSetting(props, "ssl", "off");
                return container(props);
            },
            violations: [
                "ssl is \"off\", so logins, queries and replicated WAL cross the network in clear; set ssl=on with ssl_cert_file " +
                "and ssl_key_file naming the node's certificate and key.",
            ],
        },
    ]],
    [pgHbaTlsOnly, [
        { name: "passes the preview conf step, whose environment is unknown", args: () => command(previewConf("pg1")), violations: [] },
        { name: "passes the preview node container", args: () => container(previewNode("pg1")), violations: [] },
        {
            name: "skips a conf step whose PGC_HBA entry is unknown",
            args: () => command({ ...previewConf("pg1"), environment: { ...confStepProps("pg1").environment, PGC_HBA: UNKNOWN_STRING } }),
            violations: [],
        },
        {
            name: "reports a host line in the known PGC_HBA of a conf step whose stdin is unknown",
            args: () => {
                const props = previewConf("pg1");
                props.environment = confStepProps("pg1").environment;
                props.environment.PGC_HBA += "host all all 10.0.0.0/8 scram-sha-256\n";
                return resourceArgs(COMMAND, props, { name: "pg1-conf" });
            },
            violations: [
                "pg_hba rule \"host all all 10.0.0.0/8 scram-sha-256\" in PGC_HBA of conf step pg1-conf accepts network logins over " +
                "host, which does not require TLS; make it hostssl (or reject).",
            ],
        },
    ]],
    [tlsVerifyFull, [
        { name: "passes the preview conninfo step, whose environment is unknown", args: () => command(previewProps(COMMAND, conninfoStepProps("pg1"))), violations: [] },
        { name: "passes the preview primary step, whose environment is unknown", args: () => command(previewProps(COMMAND, primaryStepProps())), violations: [] },
        {
            name: "skips a conninfo step whose PGC_TLS entry is unknown",
            args: () => command({
                ...previewProps(COMMAND, conninfoStepProps("pg1")), environment: { ...conninfoStepProps("pg1").environment, PGC_TLS: UNKNOWN_STRING },
            }),
            violations: [],
        },
        {
            name: "reports PGC_TLS=off on a known conninfo step whose stdin is unknown",
            args: () => resourceArgs(COMMAND, {
                ...previewProps(COMMAND, conninfoStepProps("pg1")), environment: { ...conninfoStepProps("pg1").environment, PGC_TLS: "off" },
            }, { name: "pg1-conninfo" }),
            violations: [
                "PGC_TLS is \"off\" on conninfo step pg1-conninfo, so the standby streams WAL without TLS and without checking " +
                "the primary's certificate; set pg-cluster:tls to true (with PGC_TLS=on the step connects with sslmode=verify-full).",
            ],
        },
    ]],
    [noTrustAuthDefaults, [
        { name: "passes the preview primary seed, whose environment is unknown", args: () => command(previewSeed("pg0")), violations: [] },
        { name: "passes the preview node container", args: () => container(previewNode("pg0")), violations: [] },
        {
            name: "skips initdb flags while the seed's PGC_INITDB_ARGS entry is unknown",
            args: () => command({ ...previewSeed("pg0"), environment: { ...seedStepProps("pg0").environment, PGC_INITDB_ARGS: UNKNOWN_STRING } }),
            violations: [],
        },
        {
            name: "skips initdb flags while the seed's role is unknown (a standby's seed runs no initdb)",
            args: () => {
                const environment = { ...seedStepProps("pg1").environment, PGC_ROLE: UNKNOWN_STRING };
                delete environment.PGC_INITDB_ARGS;
                return command({ ...previewSeed("pg1"), environment });
            },
            violations: [],
        },
        {
            name: "reports known initdb args without --auth-local",
            args: () => command({
                ...previewSeed("pg0"),
                environment: { ...seedStepProps("pg0").environment, PGC_INITDB_ARGS: "--auth-host=scram-sha-256 --data-checksums" },
            }),
            violations: [
                "PGC_INITDB_ARGS of the primary's seed step sets no --auth-local (or --auth), so initdb writes trust rules for " +
                "local connections into pg_hba.conf; add --auth-local=peer.",
            ],
        },
        {
            name: "skips a container's initdb flags while an env entry that could set a password is unknown",
            args: () => {
                const props = previewNode("pg0");
                props.envs.push(UNKNOWN_STRING);
                return container(props);
            },
            violations: [],
        },
        {
            name: "reports a weak POSTGRES_HOST_AUTH_METHOD set after an entry that is unknown",
            args: () => {
                const props = previewNode("pg0");
                props.envs.unshift(UNKNOWN_STRING);
                props.envs.push("POSTGRES_HOST_AUTH_METHOD=trust");
                return container(props);
            },
            violations: [
                "POSTGRES_HOST_AUTH_METHOD=trust makes the image append \"host all all all trust\" to pg_hba.conf; " +
                "remove it or use scram-sha-256.",
            ],
        },
    ]],
    [noPlaintextPasswords, [
        ...previewCluster(2).map((r): Case => ({
            name: `passes ${r.name} of the preview stack`,
            args: () => resourceArgs(r.type, r.props, { name: r.name }),
            violations: [],
        })),
        {
            name: "skips the logging check while it cannot tell the command is the password generator",
            args: () => command({ ...passwordGeneratorProps(), environment: UNKNOWN_STRING, logging: "stdoutAndStderr" }),
            violations: [],
        },
        {
            name: "reports the generator's logging (its environment is a constant, known during preview)",
            args: () => {
                const props = previewProps(COMMAND, passwordGeneratorProps());
                delete props.logging;
                return command(props);
            },
            violations: [
                "The password generator's output is logged (logging not set, so stdoutAndStderr); " +
                "set logging: \"none\" so the generated password never reaches the Pulumi log.",
            ],
        },
        {
            name: "reports a password in the script of a command whose environment is unknown",
            args: () => command({ ...previewProps(COMMAND, slotStepProps()), create: "PGPASSWORD=hunter2hunter2 psql -h pg0\n" }),
            violations: ["Command create script contains a plaintext password (PGPASSWORD=…); pass the password on stdin instead."],
        },
        {
            name: "reports a password on the command line next to an argument that is unknown",
            args: () => {
                const props = previewNode("pg1");
                props.command.push("-c", UNKNOWN_STRING, "-c", "primary_conninfo=host=pg0 user=replicator password=hunter2");
                return container(props);
            },
            violations: [
                `Container command argument ${containerProps("pg1").command.length + 3} contains a plaintext password (password=…); ` +
                "the server's command line is visible in ps and docker inspect, so use a password file.",
            ],
        },
    ]],
    [scramPasswordEncryption, [
        { name: "passes the preview primary", args: () => container(previewNode("pg0")), violations: [] },
        {
            name: "reports md5",
            args: () => {
                const props = previewNode("pg0");
                setSetting(props, "password_encryption", "md5");
                return container(props);
            },
            violations: [
                "password_encryption is \"md5\"; set password_encryption=scram-sha-256 so passwords are stored as SCRAM verifiers, not MD5 hashes.",
            ],
        },
    ]],
    [replicationRoleNotSuperuser, [
        { name: "passes the preview primary seed, whose environment is unknown", args: () => command(previewSeed("pg0")), violations: [] },
        { name: "passes the preview node container", args: () => container(previewNode("pg0")), violations: [] },
        {
            name: "passes the primary seed while its init script is unknown",
            args: () => command({ ...previewSeed("pg0"), environment: { ...seedStepProps("pg0").environment, PGC_INIT_SCRIPT: UNKNOWN_STRING } }),
            violations: [],
        },
        {
            name: "passes a seed while its role is unknown",
            args: () => {
                const environment = { ...seedStepProps("pg1").environment, PGC_ROLE: UNKNOWN_STRING };
                return command({ ...previewSeed("pg1"), environment });
            },
            violations: [],
        },
        {
            name: "reports SUPERUSER in a known init script while the step's stdin is unknown",
            args: () => command({
                ...previewSeed("pg0"),
                environment: { ...seedStepProps("pg0").environment, PGC_INIT_SCRIPT: INIT_SCRIPT_TEXT.replace("NOSUPERUSER", "SUPERUSER") },
            }),
            violations: [SUPERUSER_ROLE("PGC_INIT_SCRIPT of the primary's seed step")],
        },
        {
            name: "reports a known init script that creates no replication role",
            args: () => command({ ...previewSeed("pg0"), environment: { ...seedStepProps("pg0").environment, PGC_INIT_SCRIPT: "set -eu\n" } }),
            violations: [NO_REPLICATION_ROLE],
        },
        {
            name: "passes a container while an upload's path is unknown",
            args: () => {
                const props = containerWithUploads("pg0");
                props.uploads = props.uploads.filter((u: { file: string }) => u.file !== INIT_SCRIPT);
                props.uploads.push({ file: UNKNOWN_STRING, content: REPLICATION_ROLE_SCRIPT.replace("LOGIN REPLICATION", "LOGIN REPLICATION SUPERUSER") });
                return container(props);
            },
            violations: [],
        },
        {
            name: "reports SUPERUSER in a known uploaded init script while the password files are unknown",
            args: () => {
                const props = uploadsWithUnknownPasswords();
                uploadOf(props, INIT_SCRIPT).content = REPLICATION_ROLE_SCRIPT.replace("LOGIN REPLICATION", "LOGIN REPLICATION SUPERUSER");
                return container(props);
            },
            violations: [SUPERUSER_ROLE(INIT_SCRIPT)],
        },
    ]],
    [roleNamesNotReserved, [
        { name: "passes the preview passwords step, whose environment is unknown", args: () => command(previewProps(COMMAND, passwordsStepProps())), violations: [] },
        {
            name: "skips a role name that is unknown and reports a known one",
            args: () => {
                const props = previewProps(COMMAND, passwordsStepProps());
                props.environment = { ...passwordsStepProps().environment, PGC_REPLICATION_USER: UNKNOWN_STRING, PGC_APP_USER: "public" };
                return resourceArgs(COMMAND, props, { name: "passwords" });
            },
            violations: [
                "PGC_APP_USER of passwords step passwords is \"public\", the pseudo-role every role belongs to, which CREATE ROLE " +
                "refuses; set pg-cluster:appUser to another name.",
            ],
        },
    ]],
    [containersHardened, [
        { name: "passes the preview node", args: () => container(previewNode("pg1")), violations: [] },
        { name: "passes the preview exporter", args: () => container(previewProps(CONTAINER, exporterProps("pg1"))), violations: [] },
        {
            name: "skips hardening that is unknown",
            args: () => container({ ...previewNode("pg1"), capabilities: UNKNOWN_STRING, securityOpts: UNKNOWN_STRING, pidsLimit: UNKNOWN_STRING, readOnly: UNKNOWN_STRING }),
            violations: [],
        },
        {
            name: "reports a writable root, a constant known during preview",
            args: () => container({ ...previewNode("pg1"), readOnly: false }),
            violations: [
                "The container's root filesystem is writable (readOnly is not true), so whoever takes over its process can change " +
                "the programs and libraries of its image; set readOnly: true, with tmpfs mounts where it writes (/tmp, and " +
                "/var/run/postgresql on a node).",
            ],
        },
    ]],
    [primaryIsANode, [
        { name: "passes the preview stack, whose primary step's environment is unknown", args: () => stackArgs(previewCluster(2)), violations: [] },
        {
            name: "passes a stack without a known primary step while another command's environment is unknown",
            args: () => stackArgs(without(previewCluster(2), "primary")),
            violations: [],
        },
        {
            name: "passes a known primary step while PGC_PRIMARY is unknown",
            args: () => stackArgs(knowing(previewCluster(2), "primary", { ...primaryStepProps().environment, PGC_PRIMARY: UNKNOWN_STRING })),
            violations: [],
        },
        {
            name: "passes a named primary whose container's node name is unknown",
            args: () => stackArgs(edit(
                knowing(previewCluster(2), "primary", primaryStepProps("pg2").environment), "pg2", (r) => unknownLabel(r.props, "pg-cluster.node"))),
            violations: [],
        },
        {
            name: "passes a named primary while a container cannot be told to be a node yet",
            args: () => {
                const resources = knowing(previewCluster(2), "primary", primaryStepProps("pgx").environment);
                resources.push({ type: CONTAINER, name: "pgx", props: undecidedContainer() });
                return stackArgs(resources);
            },
            violations: [],
        },
        {
            name: "reports a known primary that is no node, while the other steps are unknown",
            args: () => stackArgs(knowing(previewCluster(2), "primary", primaryStepProps("pg9").environment)),
            violations: [NOT_A_NODE("pg9", "pg0, pg1, pg2")],
        },
    ]],
    [walSettingsFitReplicas, [
        { name: "passes the preview stack", args: () => stackArgs(previewCluster(2)), violations: [] },
        {
            name: "reports too few WAL senders",
            args: () => stackArgs(edit(previewCluster(2), "pg1", (r) => setSetting(r.props, "max_wal_senders", "3"))),
            violations: [
                "max_wal_senders is 3 on node pg1 but the stack has 2 replicas; " +
                "it needs at least 4 (one per replica plus 2 for a pg_basebackup -X stream).",
            ],
        },
    ]],
    [replicaBootstrappedFromOwnSlot, [
        { name: "passes the preview stack, whose step environments are unknown", args: () => stackArgs(previewCluster(2)), violations: [] },
        { name: "passes the preview of a production stack", args: () => stackArgs(previewCluster(3, "production")), violations: [] },
        {
            name: "passes a known standby seed while the slot and primary steps are unknown",
            args: () => stackArgs(knowing(previewCluster(2), "pg1-seed", seedStepProps("pg1").environment)),
            violations: [],
        },
        {
            name: "passes a known standby seed whose slot no known step creates while other steps are unknown",
            args: () => stackArgs(without(knowing(previewCluster(2), "pg1-seed", seedStepProps("pg1").environment), "pg1-slot")),
            violations: [],
        },
        {
            name: "skips a standby seed's role while the primary step is unknown",
            args: () => stackArgs(knowing(previewCluster(2), "pg1-seed", seedStepProps("pg1", "primary").environment)),
            violations: [],
        },
        {
            name: "passes a node without a known seed while its node name is unknown",
            args: () => stackArgs(without(edit(previewContainers(2), "pg2", (r) => unknownLabel(r.props, "pg-cluster.node")), "pg2-seed")),
            violations: [],
        },
        {
            name: "reports a node without a seed step when every step is known",
            args: () => stackArgs(without(previewContainers(2), "pg2-seed")),
            violations: [NO_SEED("pg2")],
        },
        {
            name: "reports two known seed steps for one node while other steps are unknown",
            args: () => {
                const resources = knowing(previewCluster(2), "pg1-seed", seedStepProps("pg1").environment);
                resources.push({ type: COMMAND, name: "pg1-seed-again", props: seedStepProps("pg1"), dependsOn: ["pg1-slot"] });
                return stackArgs(resources);
            },
            violations: ["Node pg1 has 2 seed steps (pg1-seed, pg1-seed-again); it needs exactly one."],
        },
        {
            name: "reports a node that does not wait for its known seed step",
            args: () => stackArgs(edit(knowing(previewCluster(2), "pg1-seed", seedStepProps("pg1").environment), "pg1", (r) => (r.dependsOn = []))),
            violations: ["Node pg1 does not depend on its seed step; the container could start before its data is in place."],
        },
        {
            name: "reports a standby seed without PGC_SLOT once every step is known",
            args: () => {
                const environment = seedStepProps("pg1").environment;
                delete environment.PGC_SLOT;
                return stackArgs(knowing(previewContainers(2), "pg1-seed", environment));
            },
            violations: [
                "The seed step of standby pg1 sets no PGC_SLOT; pg_basebackup must stream through the standby's own " +
                "replication slot so the primary keeps the WAL it needs.",
            ],
        },
        {
            name: "reports a standby seed that would initialize once every step is known",
            args: () => stackArgs(knowing(previewContainers(2), "pg1-seed", seedStepProps("pg1", "primary").environment)),
            violations: [
                "The seed step of standby pg1 has PGC_ROLE \"primary\", not \"replica\"; on an empty volume it would not copy " +
                "the primary (a \"primary\" seed initializes a second, unrelated database).",
            ],
        },
        {
            name: "reports a slot that no step creates when every step is known",
            args: () => stackArgs(without(previewContainers(2), "pg1-slot")),
            violations: [
                "Standby pg1 is seeded from slot \"pg1\" but no replication-slot step (PGC_STEP=replication-slot, PGC_SLOT=pg1) creates it.",
            ],
        },
        {
            name: "reports a seed that does not wait for its known slot step and waits for no unknown one",
            args: () => {
                const resources = previewContainers(2);
                return stackArgs(edit(resources, "pg1-seed", (r) => (r.dependsOn = ["pg1-data"])));
            },
            violations: [
                "The seed step of standby pg1 does not depend on the replication-slot step for slot \"pg1\"; " +
                "pg_basebackup could run before the slot exists.",
            ],
        },
    ]],
    [boundedSlotWal, [
        { name: "passes the preview primary", args: () => container(previewNode("pg0")), violations: [] },
        {
            name: "reports max_slot_wal_keep_size=-1",
            args: () => {
                const props = previewNode("pg1");
                setSetting(props, "max_slot_wal_keep_size", "-1");
                return container(props);
            },
            violations: [
                "max_slot_wal_keep_size is -1 (unbounded): a lagging or lost replica's slot can keep WAL " +
                "until the primary's disk is full; set a bound such as 1GB.",
            ],
        },
    ]],
    [synchronousStandbysExist, [
        {
            name: "passes every node named on every node of the preview stack",
            args: () => {
                const resources = previewCluster(2);
                for (const node of ["pg0", "pg1", "pg2"]) {
                    edit(resources, node, (r) => setSetting(r.props, "synchronous_standby_names", "ANY 1 (pg0,pg1,pg2)"));
                }
                return stackArgs(resources);
            },
            violations: [],
        },
        {
            name: "passes a named standby whose container's labels are unknown",
            args: () => {
                const resources = edit(previewCluster(2), "pg0", (r) => setSetting(r.props, "synchronous_standby_names", "FIRST 2 (pg1, pgx)"));
                resources.push({ type: CONTAINER, name: "pgx", props: { ...previewNode("pgx"), labels: UNKNOWN_STRING, command: UNKNOWN_STRING } });
                return stackArgs(resources);
            },
            violations: [],
        },
        {
            name: "passes a named standby whose node name is unknown",
            args: () => {
                const resources = edit(previewCluster(2), "pg0", (r) => setSetting(r.props, "synchronous_standby_names", "FIRST 2 (pg1, pg2)"));
                return stackArgs(edit(resources, "pg2", (r) => unknownLabel(r.props, "pg-cluster.node")));
            },
            violations: [],
        },
        {
            name: "reports a named standby that is no node",
            args: () => stackArgs(edit(previewCluster(2), "pg0", (r) => setSetting(r.props, "synchronous_standby_names", "FIRST 1 (pg9)"))),
            violations: [
                "synchronous_standby_names \"FIRST 1 (pg9)\" on node pg0 needs 1 synchronous standby(s) but none " +
                "of the named standbys is another node of this stack; while pg0 is the primary, commits would wait forever.",
            ],
        },
    ]],
    [hotStandbyOn, [
        { name: "passes the preview replica", args: () => container(previewNode("pg1")), violations: [] },
        {
            name: "reports hot_standby=off",
            args: () => {
                const props = previewNode("pg1");
                setSetting(props, "hot_standby", "off");
                return container(props);
            },
            violations: ["hot_standby is off, so a standby refuses every connection (health checks fail, no read-only queries); set hot_standby=on."],
        },
    ]],
    [pgRewindReady, [
        { name: "passes the preview stack", args: () => stackArgs(previewCluster(2)), violations: [] },
        {
            name: "skips while the primary seed's PGC_INITDB_ARGS entry is unknown",
            args: () => {
                const resources = previewContainers(2);
                edit(resources, "pg0-seed", (r) => (r.props.environment.PGC_INITDB_ARGS = UNKNOWN_STRING));
                return stackArgs(edit(resources, "pg1", (r) => setSetting(r.props, "wal_log_hints", "off")));
            },
            violations: [],
        },
        {
            name: "skips while a step that may be the primary's seed is unknown",
            args: () => {
                const resources = knowing(previewCluster(2), "pg0-seed", {
                    ...seedStepProps("pg0").environment, PGC_INITDB_ARGS: "--auth-local=peer --auth-host=scram-sha-256",
                });
                return stackArgs(edit(resources, "pg1", (r) => setSetting(r.props, "wal_log_hints", "off")));
            },
            violations: [],
        },
        {
            name: "reports a node with neither wal_log_hints nor checksums once the steps are known",
            args: () => {
                const resources = previewContainers(2);
                edit(resources, "pg0-seed", (r) => (r.props.environment.PGC_INITDB_ARGS = "--auth-local=peer --auth-host=scram-sha-256"));
                return stackArgs(edit(resources, "pg1", (r) => setSetting(r.props, "wal_log_hints", "off")));
            },
            violations: [
                "Node pg1 has neither wal_log_hints=on nor data checksums (--data-checksums in PGC_INITDB_ARGS of the primary's " +
                "seed step); pg_rewind could not resync it after a failover.",
            ],
        },
    ]],
    [pinnedImage, [
        { name: "passes the preview container, whose image ID is unknown", args: () => container(previewNode("pg0")), violations: [] },
        {
            name: "reports the RemoteImage postgres:latest, known during preview",
            args: () => resourceArgs(REMOTE_IMAGE, remoteImageProps("postgres:latest")),
            violations: ["Image \"postgres:latest\" is not pinned: tag \"latest\" moves to new releases; use a version tag (e.g. postgres:17.6) or a digest (@sha256:…)."],
        },
    ]],
    [dataInNamedVolume, [
        { name: "passes the preview container, whose volume name is unknown", args: () => container(previewNode("pg1")), violations: [] },
        {
            name: "skips while the PGDATA entry is unknown",
            args: () => {
                const props = previewNode("pg1");
                setEnv(props, "PGDATA", undefined);
                props.envs.push(UNKNOWN_STRING);
                props.volumes = [{ volumeName: "pg-cluster-dev-pg1-data", containerPath: "/data" }];
                return container(props);
            },
            violations: [],
        },
        {
            name: "reports a data directory on no volume",
            args: () => container({ ...previewNode("pg1"), volumes: [] }),
            violations: [
                "The data directory /var/lib/postgresql/data/pgdata is not on a volume; mount a named volume at " +
                "/var/lib/postgresql/data/pgdata or a parent (volumes: [{volumeName, containerPath}]) so the data survives replacing the container.",
            ],
        },
    ]],
    [productionVolumesRetained, [
        { name: "passes the preview of a production stack", args: () => stackArgs(previewCluster(2, "production")), violations: [] },
        {
            name: "skips a volume whose retain label is unknown",
            args: () => stackArgs(edit(previewCluster(2, "production"), "pg1-data", (r) => unknownLabel(r.props, "pg-cluster.retain-on-delete"))),
            violations: [],
        },
        {
            name: "skips a volume whose labels are unknown",
            args: () => stackArgs(edit(previewCluster(2, "production"), "pg1-data", (r) => (r.props.labels = UNKNOWN_STRING))),
            violations: [],
        },
        {
            name: "reports a production volume without the retain label",
            args: () => stackArgs(edit(previewCluster(2, "production"), "pg1-data", (r) => {
                r.props.labels = r.props.labels.filter((l: { label: string }) => l.label !== "pg-cluster.retain-on-delete");
            })),
            violations: [
                "Production volume \"pg-cluster-prod-pg1-data\" is not marked retained on delete (label pg-cluster.retain-on-delete=\"true\" " +
                "missing); declare it with the retainOnDelete resource option and that label so a destroy or replacement keeps the data.",
            ],
        },
    ]],
    [productionMemoryLimit, [
        { name: "passes the preview production primary", args: () => container(previewNode("pg0", { environment: "production" })), violations: [] },
        {
            name: "skips a memory limit that is unknown",
            args: () => container({ ...previewNode("pg0", { environment: "production" }), memory: UNKNOWN_STRING }),
            violations: [],
        },
        {
            name: "reports memory 0",
            args: () => container({ ...previewNode("pg0", { environment: "production" }), memory: 0 }),
            violations: [
                "Production PostgreSQL container has no memory limit; set memory (MB) so one node cannot exhaust " +
                "the host's memory and take the other nodes down with it.",
            ],
        },
    ]],
    [productionMonitoring, [
        { name: "passes the preview of a production stack", args: () => stackArgs(previewCluster(2, "production")), violations: [] },
        {
            name: "does not report a missing exporter while a container's labels are unknown",
            args: () => {
                const resources = without(previewCluster(2, "production"), "pg2-exporter");
                resources.push({ type: CONTAINER, name: "pgx", props: undecidedContainer() });
                return stackArgs(resources);
            },
            violations: [],
        },
        {
            name: "does not report monitoring off while a container's labels are unknown",
            args: () => {
                const resources = previewCluster(2, "production").filter((r) => !/exporter|prometheus/.test(r.name));
                resources.push({ type: CONTAINER, name: "pgx", props: undecidedContainer() });
                return stackArgs(resources);
            },
            violations: [],
        },
        {
            name: "skips an exporter whose environment is unknown",
            args: () => stackArgs(edit(previewCluster(2, "production"), "pg1-exporter", (r) => (r.props.envs = UNKNOWN_STRING))),
            violations: [],
        },
        {
            name: "skips the exporter's TLS while its node's command is unknown",
            args: () => {
                const resources = edit(previewCluster(2, "production"), "pg1", (r) => (r.props.command = UNKNOWN_STRING));
                return stackArgs(edit(resources, "pg1-exporter", (r) => setEnv(r.props, "DATA_SOURCE_URI", "pg1:5432/postgres?sslmode=require")));
            },
            violations: [],
        },
        {
            name: "skips the user while DATA_SOURCE_USER_FILE names an upload whose content is unknown",
            args: () => stackArgs(edit(previewCluster(2, "production"), "pg1-exporter", (r) => {
                setEnv(r.props, "DATA_SOURCE_USER", undefined);
                setEnv(r.props, "DATA_SOURCE_USER_FILE", "/etc/pg-cluster/monitoring-password");
            })),
            violations: [],
        },
        {
            name: "reports a node without an exporter when every container's labels are known",
            args: () => stackArgs(without(previewCluster(2, "production"), "pg2-exporter")),
            violations: [
                "Node pg2 has no metrics exporter (a container labelled pg-cluster.monitoring=exporter and pg-cluster.monitors=pg2), " +
                "so nothing alerts when it is down or falls behind; pg-cluster declares one per node with " +
                "`pulumi config set pg-cluster:monitoring true`.",
            ],
        },
        {
            name: "reports an exporter logging in as postgres (its environment is a constant)",
            args: () => stackArgs(edit(previewCluster(2, "production"), "pg1-exporter", (r) => setEnv(r.props, "DATA_SOURCE_USER", "postgres"))),
            violations: [
                "Exporter \"pg-cluster-prod-pg1-exporter\" logs in as the superuser \"postgres\" (DATA_SOURCE_USER), which a " +
                "compromised exporter could use to read or change anything; set DATA_SOURCE_USER to the monitoring role, a " +
                "member of pg_monitor only (pg-cluster:monitoringUser, default \"monitoring\").",
            ],
        },
    ]],
    [healthcheckAndRestart, [
        { name: "passes the preview primary", args: () => container(previewNode("pg0")), violations: [] },
        {
            name: "skips a healthcheck and a restart policy that are unknown",
            args: () => container({ ...previewNode("pg0"), healthcheck: { tests: UNKNOWN_STRING }, restart: UNKNOWN_STRING }),
            violations: [],
        },
        {
            name: "reports restart no",
            args: () => container({ ...previewNode("pg0"), restart: "no" }),
            violations: ["The container's restart policy is \"no\", so it stays down after a crash or a host reboot; use unless-stopped, always or on-failure."],
        },
    ]],
    [shmSize, [
        { name: "passes the preview primary", args: () => container(previewNode("pg0")), violations: [] },
        { name: "skips a shmSize that is unknown", args: () => container({ ...previewNode("pg0"), shmSize: UNKNOWN_STRING }), violations: [] },
        {
            name: "reports 64 MB",
            args: () => container({ ...previewNode("pg0"), shmSize: 64 }),
            violations: ["shmSize is 64 MB; set it to at least 128 MB (PostgreSQL's parallel queries use /dev/shm)."],
        },
    ]],
];

/** An ha: patroni stack as preview shows it: every command's environment unknown (bar the generators'), … */
const previewPatroni = (replicas = 2, environment: NodeOptions["environment"] = "development", dcsMembers = 3) =>
    previewOf(patroniClusterResources(replicas, environment, dcsMembers));

/** The ha: patroni preview stack with its steps' environments known: only the containers' computed inputs unknown. */
const previewPatroniContainers = (replicas = 2, environment: NodeOptions["environment"] = "development", dcsMembers = 3) =>
    patroniClusterResources(replicas, environment, dcsMembers).map((r) => (r.type === CONTAINER ? { ...r, props: previewProps(r.type, r.props) } : r));

const HA_NONE_IN_PRODUCTION =
    "Production stack runs its nodes (pg0, pg1, pg2, pg3) without automatic failover (ha: none): when the primary fails, " +
    "writes stop until someone runs pulumi up with another pg-cluster:primary; set pg-cluster:ha to patroni (with its " +
    "etcd members) so a replica takes over by itself.";

table.push(
    [patroniDcsMembers, [
        { name: "passes the preview ha: patroni stack", args: () => stackArgs(previewPatroni(2)), violations: [] },
        {
            name: "reports two etcd members: their labels and entrypoints are constants, known during preview",
            args: () => stackArgs(previewPatroni(2, "development", 2)),
            violations: [
                "The Patroni members (pg0, pg1, pg2) have only 2 etcd member(s) (etcd0, etcd1) as their DCS; etcd answers " +
                "only while a majority of its members run, so with fewer than 3 one etcd member down stops the DCS, and " +
                "Patroni then demotes the leader: the cluster takes no writes. Declare at least 3 (pg-cluster:dcsMembers).",
            ],
        },
        {
            name: "does not count the etcd members while a container may still be one",
            args: () => stackArgs(edit(previewPatroni(2, "development", 2), "etcd1", (r) => (r.props.entrypoints = UNKNOWN_STRING))),
            violations: [],
        },
    ]],
    [patroniControlPlaneTls, [
        { name: "passes the preview ha: patroni stack, whose member-conf steps' environments are unknown", args: () => stackArgs(previewPatroni(2)), violations: [] },
        {
            name: "does not report a missing member-conf step while a command may be it",
            args: () => stackArgs(without(previewPatroni(2), "pg1-member-conf")),
            violations: [],
        },
        {
            name: "reports a known configuration without verify_client next to containers whose inputs are unknown",
            args: () => stackArgs(edit(previewPatroniContainers(2), "pg1-member-conf", (r) => {
                r.props.environment.PGC_CONFIG = r.props.environment.PGC_CONFIG.replace("\"verify_client\": \"required\"", "\"verify_client\": \"optional\"");
            })),
            violations: [
                "The configuration of Patroni member pg1 (PGC_CONFIG of step pg1-member-conf): its REST API's verify_client is " +
                "\"optional\", so it answers clients without a certificate the control-plane CA signed; set " +
                "restapi.verify_client: required.",
            ],
        },
    ]],
    [patroniBoundedFailoverLag, [
        {
            name: "passes the preview dcs-config step, whose environment is unknown",
            args: () => command(previewProps(COMMAND, dcsConfigStepProps())),
            violations: [],
        },
        {
            name: "reports a known DCS configuration with a lag of 1 GiB",
            args: () => {
                const config = { ...dcsConfig(), maximum_lag_on_failover: 1073741824 };
                return resourceArgs(COMMAND, dcsConfigStepProps(config), { name: "dcs-config" });
            },
            violations: [
                "The DCS configuration (PGC_DCS_CONFIG of step dcs-config) lets Patroni promote a replica up to 1073741824 bytes " +
                "(1024.0 MiB) behind (maximum_lag_on_failover) while synchronous_mode is off: a failover may lose that much " +
                "committed WAL; set it to at most 64 MiB (67108864), or turn synchronous replication on.",
            ],
        },
    ]],
    [productionBackups, [
        {
            name: "passes the preview production stack with backups: the repository's label and the nodes' archive_mode are constants",
            args: () => stackArgs(previewCluster(3, "production")),
            violations: [],
        },
        { name: "passes the preview production stack with ha: patroni", args: () => stackArgs(previewPatroni(3, "production")), violations: [] },
        {
            name: "reports a preview production stack without backups: every container's labels are known",
            args: () => stackArgs(previewOf(clusterResources(3, "production", "pg0", true, false))),
            violations: [NO_BACKUPS],
        },
    ]],
    [productionAutomaticFailover, [
        { name: "passes the preview production stack with ha: patroni", args: () => stackArgs(previewPatroni(3, "production")), violations: [] },
        {
            name: "reports the preview production stack with ha: none: the nodes' labels and commands are constants",
            args: () => stackArgs(previewCluster(3, "production")),
            violations: [HA_NONE_IN_PRODUCTION],
        },
        {
            name: "decides from the dcs-config step, known in a preview: none, so ha: none, a container undecided or not",
            args: () => {
                const resources = previewCluster(3, "production");
                resources.push({ type: CONTAINER, name: "pgx", props: undecidedContainer() });
                return stackArgs(resources);
            },
            violations: [HA_NONE_IN_PRODUCTION],
        },
    ]],
    [dockerEndpointTls, [
        {
            name: "passes a host's provider: its host and certPath are constants, known during preview",
            args: () => resourceArgs(DOCKER_PROVIDER, dockerProviderProps(DOCKER_HOSTS.h1)),
            violations: [],
        },
        { name: "skips a host that is unknown", args: () => resourceArgs(DOCKER_PROVIDER, { host: UNKNOWN_STRING }), violations: [] },
        {
            name: "skips a certPath that is unknown",
            args: () => resourceArgs(DOCKER_PROVIDER, { host: DOCKER_HOSTS.h1, certPath: UNKNOWN_STRING }),
            violations: [],
        },
        {
            name: "reports a known tcp:// host without TLS",
            args: () => resourceArgs(DOCKER_PROVIDER, { host: DOCKER_HOSTS.h1 }, { name: "pg-cluster-prod-docker-h1" }),
            violations: [
                "Docker provider pg-cluster-prod-docker-h1 reaches the engine at \"tcp://10.0.0.11:2376\" without TLS (no certPath, no " +
                "caMaterial, certMaterial and keyMaterial): anyone on the network path can pose as the engine, whose API gives " +
                "root on its host, or read what the program sends it; set certPath to a directory with ca.pem, cert.pem and " +
                "key.pem (pg-cluster:dockerHosts.<host>.certPath), or reach the engine over ssh://.",
            ],
        },
    ]],
    [productionSpreadOverHosts, [
        {
            name: "passes the preview production stack with ha: patroni spread over three hosts",
            args: () => stackArgs(spreadOverHosts(previewPatroni(3, "production"), "production")),
            violations: [],
        },
        {
            name: "skips a node whose provider's host is unknown",
            args: () => stackArgs(placedOnHosts(previewCluster(1, "production"), { pg1: "h2" }, "production", { h2: UNKNOWN_STRING })),
            violations: [],
        },
        {
            name: "reports the preview production stack on the default provider alone: the nodes' labels are constants",
            args: () => stackArgs(previewCluster(3, "production")),
            violations: [
                "Production stack runs all its nodes on one Docker host (pg0, pg1, pg2, pg3 on the default Docker host): when " +
                "that machine or its engine fails, every node fails with it and no replica is left to take over; place the " +
                "nodes on at least 2 Docker hosts (pg-cluster:dockerHosts and pg-cluster:placement).",
            ],
        },
    ]],
);

/** A container that cannot be told to be a PostgreSQL node yet: its labels and command are unknown. */
const undecidedContainer = (): Record<string, any> => ({ name: "pg-cluster-dev-pgx", image: UNKNOWN_STRING, labels: UNKNOWN_STRING, command: UNKNOWN_STRING });

describe("rules during preview, with the inputs computed at deployment unknown", () => {
    it("the table covers every rule of the pack", () => {
        const covered = new Set(table.map(([policy]) => policy.name));
        const missing = policies.map((p) => p.name).filter((n) => !covered.has(n));
        if (missing.length > 0) {
            throw new Error(`no preview cases for ${missing.join(", ")}`);
        }
    });

    for (const [policy, cases] of table) {
        describe(policy.name, () => {
            for (const c of cases) {
                it(c.name, async () => {
                    await assertHasViolations(policy, c.args(), c.violations);
                });
            }

            it("stays silent on a container it cannot tell to be a PostgreSQL node yet", async () => {
                if ("validateStack" in policy) {
                    const resources = previewCluster(2);
                    resources.push({ type: CONTAINER, name: "pgx", props: undecidedContainer() });
                    await assertHasViolations(policy, stackArgs(resources), []);
                } else {
                    await assertHasViolations(policy, container(undecidedContainer()), []);
                }
            });
        });
    }

    it("every rule passes every resource and the whole of the preview stacks spread over three hosts (but production-automatic-failover against ha: none in production)", async () => {
        for (const environment of ["development", "staging", "production"] as const) {
            const spread = (resources: TestResource[]) => spreadOverHosts(resources, environment);
            for (const [resources, patroni] of [[spread(previewCluster(3, environment)), false], [spread(previewPatroni(3, environment)), true]] as const) {
                for (const policy of policies) {
                    if ("validateStack" in policy) {
                        const refused = policy === productionAutomaticFailover && environment === "production" && !patroni;
                        await assertHasViolations(policy, stackArgs(resources), refused ? [HA_NONE_IN_PRODUCTION] : []);
                    } else {
                        for (const r of resources) {
                            await assertHasViolations(policy, resourceArgs(r.type, r.props, { name: r.name }), []);
                        }
                    }
                }
            }
        }
    });
});
