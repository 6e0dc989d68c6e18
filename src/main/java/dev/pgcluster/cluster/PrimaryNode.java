package dev.pgcluster.cluster;

import com.pulumi.core.Output;
import com.pulumi.docker.Container;
import com.pulumi.docker.Volume;
import com.pulumi.docker.inputs.ContainerUploadArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import dev.pgcluster.command.Command;
import dev.pgcluster.command.CommandArgs;
import dev.pgcluster.command.Logging;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.NodeSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The primary: its data volume and its container, initialized on first start by the image's
 * entrypoint and {@code init/primary/}. Passwords reach it as uploaded files named by
 * {@code *_FILE} variables, never as environment values.
 */
public final class PrimaryNode extends ComponentResource {
    public static final String TYPE = "pgcluster:index:PrimaryNode";

    static final String SUPERUSER_PASSWORD_FILE = "/run/secrets/postgres-password";
    static final String REPLICATION_PASSWORD_FILE = "/run/secrets/replication-password";
    static final String HBA_FILE = "/etc/pg-cluster/pg_hba.conf";
    static final String INITDB_DIR = "/docker-entrypoint-initdb.d/";
    /** Written by the init script as its last step. */
    static final String INIT_DONE = "pg-cluster-init.done";
    /**
     * Accepting TCP connections (false while the entrypoint's socket-only init server runs), fully
     * initialized, and not a standby.
     */
    static final String HEALTHCHECK = NodeContainer.pgIsReady() + " && test -f \"$PGDATA/" + INIT_DONE + "\""
            + " && test ! -f \"$PGDATA/standby.signal\"";
    /** Peer for the socket (the health check and the slot steps), SCRAM for every network login. */
    static final String INITDB_ARGS = "--auth-local=peer --auth-host=scram-sha-256 --data-checksums";

    private final Volume volume;
    private final Container container;
    private final Command readiness;
    private final Command passwords;

    /**
     * @param name      the component's name; the volume is {@code <name>-data}, the container {@code <name>}
     * @param config    the cluster config
     * @param node      the primary's node spec
     * @param image     the image to run
     * @param network   the cluster network
     * @param secrets   the cluster's passwords
     * @param placement the Docker host of the node
     * @param options   component options (parent)
     */
    public PrimaryNode(String name, ClusterConfig config, NodeSpec node, Output<String> image,
                       ClusterNetwork network, ClusterSecrets secrets, Placement placement,
                       ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.volume = NodeContainer.volume(name + "-data", config, node, placement, this);
        this.container = NodeContainer.container(name, config, node, image, network.networkName(), volume.name(),
                HEALTHCHECK, environment(config), uploads(config, secrets), Map.of(),
                placement.dockerOptions(this)
                        .deleteBeforeReplace(true)
                        // The uploads seed the first initialization only; uploads force a new
                        // container, and a changed password must not restart the primary: the
                        // passwords step below applies it to the running server.
                        .ignoreChanges(List.of("uploads"))
                        .build());
        this.readiness = NodeContainer.readiness(name + "-ready", config, container, placement, this);
        this.passwords = new Command(name + "-passwords", CommandArgs.builder()
                .create(InitScripts.read(InitScripts.SYNC_PASSWORDS))
                .environment(container.name().applyValue(containerName -> {
                    var env = new LinkedHashMap<String, String>();
                    env.put("PGC_STEP", "passwords");
                    env.put("PGC_PRIMARY_CONTAINER", containerName);
                    env.put("PGC_SUPERUSER", ClusterConfig.SUPERUSER);
                    env.put("PGC_REPLICATION_USER", config.replicationUser());
                    env.putAll(placement.commandEnvironment());
                    return (Map<String, String>) env;
                }))
                .stdin(Output.tuple(secrets.superuserPassword(), secrets.replicationPassword())
                        .applyValue(p -> p.t1 + "\n" + p.t2 + "\n").asSecret())
                .logging(Logging.STDOUT_AND_STDERR)
                .build(),
                CustomResourceOptions.builder()
                        .parent(this)
                        .dependsOn(readiness)
                        .additionalSecretOutputs(List.of("stdout", "stderr"))
                        .build());
        registerOutputs(Map.of("containerName", container.name()));
    }

    static List<String> environment(ClusterConfig config) {
        var envs = new ArrayList<String>();
        NodeContainer.baseEnvironment().forEach((k, v) -> envs.add(k + "=" + v));
        envs.add("POSTGRES_PASSWORD_FILE=" + SUPERUSER_PASSWORD_FILE);
        envs.add("PGC_DATABASE=" + config.database());
        envs.add("POSTGRES_INITDB_ARGS=" + INITDB_ARGS);
        envs.add("PGC_REPLICATION_USER=" + config.replicationUser());
        envs.add("PGC_REPLICATION_PASSWORD_FILE=" + REPLICATION_PASSWORD_FILE);
        envs.add("PGC_HBA_FILE=" + HBA_FILE);
        return envs;
    }

    /** Files copied into the container before its first start. The password files stay secret. */
    static Output<List<ContainerUploadArgs>> uploads(ClusterConfig config, ClusterSecrets secrets) {
        String hba = InitScripts.pgHba(config.subnet().cidr(), config.subnet().gateway(), config.replicationUser());
        return Output.tuple(secrets.superuserPassword(), secrets.replicationPassword())
                .applyValue(passwords -> List.of(
                        upload(SUPERUSER_PASSWORD_FILE, Output.ofSecret(passwords.t1), false),
                        upload(REPLICATION_PASSWORD_FILE, Output.ofSecret(passwords.t2), false),
                        upload(HBA_FILE, Output.of(hba), false),
                        upload(INITDB_DIR + "10-replication-role.sh",
                                Output.of(InitScripts.read(InitScripts.REPLICATION_ROLE)), true)))
                .asSecret();
    }

    private static ContainerUploadArgs upload(String file, Output<String> content, boolean executable) {
        return ContainerUploadArgs.builder().file(file).content(content).executable(executable).build();
    }

    /** Done once the primary is healthy: initialized, accepting connections, not a standby. */
    public Command readiness() {
        return readiness;
    }

    /** Done once the primary's roles use the passwords the stack holds. */
    public Command passwords() {
        return passwords;
    }

    public Container container() {
        return container;
    }

    public Output<String> containerName() {
        return container.name();
    }

    public Volume volume() {
        return volume;
    }
}
