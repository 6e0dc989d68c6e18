package dev.pgcluster.mode.patroni;

import com.pulumi.core.Output;
import com.pulumi.docker.Container;
import com.pulumi.docker.ContainerArgs;
import com.pulumi.docker.Volume;
import com.pulumi.docker.inputs.ContainerNetworksAdvancedArgs;
import com.pulumi.docker.inputs.ContainerVolumeArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.pgcluster.cluster.ClusterTls;
import dev.pgcluster.cluster.Hardening;
import dev.pgcluster.cluster.HealthCheck;
import dev.pgcluster.cluster.InitScripts;
import dev.pgcluster.cluster.Labels;
import dev.pgcluster.cluster.ModeUrns;
import dev.pgcluster.cluster.Placement;
import dev.pgcluster.cluster.PostgresNode;
import dev.pgcluster.cluster.PublishedPort;
import dev.pgcluster.command.Command;
import dev.pgcluster.command.CommandArgs;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.NodeSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One PostgreSQL node run by Patroni: its volume, the conf step every mode shares (pg_hba.conf,
 * the PostgreSQL key and certificate, the CA certificates), the member-conf step (Patroni's
 * configuration and secrets, the control-plane key and certificate), its container with Patroni
 * as PID 1 (Patroni starts PostgreSQL, makes a new cluster or a base backup, follows the leader),
 * and its readiness step. Every member is declared the same way; which one leads is Patroni's
 * to decide and is in no input.
 */
public final class PatroniMember extends ComponentResource {
    public static final String TYPE = ModeUrns.PATRONI_MEMBER;
    /** The value of {@link Labels#HA_MEMBER} on a member's container. */
    public static final String HA_LABEL = "patroni";
    /** The postgres user of the image (uid 999 in the official image and ours): owner of the socket tmpfs. */
    static final String POSTGRES_UID = "999";
    /**
     * Patroni's own view of the member ({@code GET /patroni}, with the member's client certificate:
     * the REST API requires one): healthy when it runs as the leader, or as a replica whose WAL
     * receiver streams. Patroni 4.0's {@code /readiness} answers 200 for any running replica,
     * streaming or not, and the one-at-a-time replacement must not go on past a replica that does
     * not stream. Never a role check of pg-cluster's.
     */
    static final String HEALTHCHECK = "python3 -c '\n"
            + "import json, ssl, sys, urllib.request\n"
            + "c = ssl.create_default_context(cafile=\"" + PatroniFiles.CONF_DIR + "/" + PatroniFiles.DCS_CA + "\")\n"
            + "c.load_cert_chain(\"" + PatroniFiles.CONF_DIR + "/" + PatroniFiles.MEMBER_CERT + "\", \""
            + PatroniFiles.CONF_DIR + "/" + PatroniFiles.MEMBER_KEY + "\")\n"
            + "try:\n"
            + "    s = json.load(urllib.request.urlopen(\"https://localhost:" + PatroniFiles.REST_API_PORT
            + "/patroni\", context=c, timeout=3))\n"
            + "except Exception as e:\n"
            + "    sys.exit(\"pg-cluster: Patroni does not answer: %s\" % e)\n"
            + "role, state, replication = s.get(\"role\"), s.get(\"state\"), s.get(\"replication_state\")\n"
            + "if state != \"running\" or role not in (\"primary\", \"master\") and replication != \"streaming\":\n"
            + "    sys.exit(\"pg-cluster: Patroni says %s, %s, replication %s\" % (role, state, replication))\n"
            + "'";
    static final HealthCheck HEALTH = new HealthCheck(List.of("CMD-SHELL", HEALTHCHECK), "2s", "5s", 3, "0s");
    static final Map<String, Object> TMPFS = tmpfs();

    private static Map<String, Object> tmpfs() {
        var tmpfs = new LinkedHashMap<String, Object>();
        tmpfs.put("/tmp", "rw,noexec,nosuid,nodev,size=64m");
        // Docker passes uid and gid to the mount: no root step has to give it to postgres.
        tmpfs.put(PatroniFiles.SOCKET_DIRECTORY, "rw,noexec,nosuid,nodev,size=1m,uid=" + POSTGRES_UID + ",gid="
                + POSTGRES_UID + ",mode=0700");
        return java.util.Collections.unmodifiableMap(tmpfs);
    }

    private final Volume volume;
    private final Container container;
    private final Command readiness;

    /**
     * @param after what the member waits for: the etcd members' readiness (a member starts once the DCS
     *              answers) and the readiness of the member before it (one member at a time), or on
     *              a new cluster of the members it starts after (see PatroniMode)
     */
    PatroniMember(String name, ClusterConfig config, NodeSpec node, Output<String> image, Output<String> networkName,
                  Placement placement, ClusterTls tls, Output<String> replicationPassword, Output<String> memberSecrets,
                  Output<String> controlPlaneCa, List<Resource> after, ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.volume = PostgresNode.dataVolume(this, name + "-data", config, node.name(), placement,
                ModeUrns.underOtherModes(config, TYPE, "docker:index/volume:Volume", name + "-data"));
        // The member's replication slot is Patroni's (use_slots); this step only says so. It takes
        // over ha: none's slot step of the node (ModeUrns): a switch from none then never runs
        // that step's delete, which would drop the slot Patroni streams this member through.
        var slotEnv = new LinkedHashMap<String, String>();
        slotEnv.put("PGC_STEP", "replication-slot");
        slotEnv.put("PGC_NODE", node.name());
        new Command(name + "-slot", CommandArgs.builder()
                .create("echo \"pg-cluster: Patroni keeps the replication slot of $PGC_NODE (use_slots)\"")
                .environment(slotEnv)
                .build(),
                CustomResourceOptions.builder().parent(this)
                        .aliases(ModeUrns.underOtherModes(config, TYPE, Command.TYPE, name + "-slot")).build());
        Command conf = PostgresNode.conf(this, name + "-conf", config, node, image, volume.name(), placement,
                Optional.of(tls), InitScripts.pgHba(config.subnet().cidr(), config.subnet().gateway(),
                        config.replicationUser(), true, true, PostgresNode.peerAddresses(config)),
                replicationPassword, List.of());
        String memberConfig = PatroniFiles.memberConfig(config, node.name());
        Command memberConf = Members.conf(this, name + "-member-conf", config, node.name(), image, volume.name(),
                placement, Members.certNames(config, node.name(), node.hostAddress()),
                new Members.ConfFiles(PostgresNode.VOLUME_PATH, PatroniFiles.CONF_DIR, "postgres:postgres",
                        PatroniFiles.CONFIG_FILE, memberConfig, PatroniFiles.SECRETS_FILE, null, true),
                memberSecrets, controlPlaneCa, List.of(conf));

        var port = PostgresNode.publishedPort(config, node);
        // Across hosts the REST API too: the other members and the steps call it there.
        var ports = new ArrayList<PublishedPort>(List.of(port));
        ports.addAll(Members.crossHostPorts(config, node.hostAddress(),
                Map.of(config.ha().controlPorts().restApi(), PatroniFiles.REST_API_PORT)));
        var labels = Labels.container(config, node.name());
        labels.put(Labels.HA_MEMBER, HA_LABEL);
        labels.put(Labels.PUBLISHED, String.join(",", ports.stream().map(PublishedPort::spec).toList()));
        labels.put(Labels.HEALTHCHECK, HEALTH.label());
        labels.put(Labels.TMPFS, HealthCheck.tmpfsLabel(TMPFS));
        var dependencies = new ArrayList<Resource>(after);
        dependencies.add(conf);
        dependencies.add(memberConf);
        var args = ContainerArgs.builder()
                .name(name)
                .hostname(node.name())
                .image(image)
                .user("postgres")
                // Patroni is PID 1: it reaps children and passes signals on (patroni/__main__.py).
                .entrypoints("patroni")
                .command(List.of(PatroniFiles.CONFIG_DIR))
                .envs(List.of("PGDATA=" + PostgresNode.PGDATA))
                .labels(Members.labels(labels))
                .networkMode("bridge")
                .networksAdvanced(ContainerNetworksAdvancedArgs.builder().name(networkName).aliases(node.name()).build())
                .volumes(ContainerVolumeArgs.builder().volumeName(volume.name())
                        .containerPath(PostgresNode.VOLUME_PATH).build())
                .ports(ports.stream().map(PublishedPort::args).toList())
                .healthcheck(HEALTH.args())
                .wait_(false)
                .mustRun(false)
                .restart("unless-stopped")
                // SIGTERM is Patroni's clean shutdown: it stops PostgreSQL (a checkpoint) and
                // gives up the leader key, so a new leader is elected at once, not after the TTL.
                .stopSignal("SIGTERM")
                .stopTimeout(60)
                .destroyGraceSeconds(60)
                .logDriver("json-file")
                .logOpts(Map.<String, Object>of("max-size", "10m", "max-file", "5"))
                .shmSize(config.limits().shmSizeMb())
                // Nothing runs as root: no entrypoint that chowns, a health check made as postgres.
                .capabilities(Hardening.capabilities(List.of()))
                .securityOpts(Hardening.NO_NEW_PRIVILEGES)
                .readOnly(true)
                .tmpfs(TMPFS);
        config.limits().memoryMb().ifPresent(memory -> {
            args.memory(memory);
            args.memorySwap(2 * memory);
        });
        config.limits().cpuShares().ifPresent(args::cpuShares);
        this.container = new Container(name, args.build(),
                placement.dockerOptions(this)
                        .deleteBeforeReplace(true)
                        .dependsOn(dependencies)
                        .ignoreChanges(List.of("ports"))
                        // A switch from ha: none replaces the node's container (stopped first).
                        .aliases(ModeUrns.underOtherModes(config, TYPE, "docker:index/container:Container", name))
                        .build());
        this.readiness = Members.readiness(this, name + "-ready", config, container.name(), container.id(), HEALTHCHECK,
                placement, container);
        registerOutputs(Map.of("containerName", container.name()));
    }

    public Output<String> containerName() {
        return container.name();
    }

    public Container container() {
        return container;
    }

    public Volume volume() {
        return volume;
    }

    /** Done once Patroni says the member is ready: it leads, or it streams from the leader. */
    public Command readiness() {
        return readiness;
    }

}
