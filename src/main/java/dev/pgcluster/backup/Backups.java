package dev.pgcluster.backup;

import com.pulumi.core.Output;
import com.pulumi.docker.Container;
import com.pulumi.docker.ContainerArgs;
import com.pulumi.docker.Volume;
import com.pulumi.docker.VolumeArgs;
import com.pulumi.docker.inputs.ContainerLabelArgs;
import com.pulumi.docker.inputs.ContainerNetworksAdvancedArgs;
import com.pulumi.docker.inputs.ContainerVolumeArgs;
import com.pulumi.docker.inputs.VolumeLabelArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.pgcluster.cluster.ClusterSecrets;
import dev.pgcluster.cluster.ClusterTls;
import dev.pgcluster.cluster.Hardening;
import dev.pgcluster.cluster.InitScripts;
import dev.pgcluster.cluster.Labels;
import dev.pgcluster.cluster.Placement;
import dev.pgcluster.cluster.PostgresNode;
import dev.pgcluster.command.Command;
import dev.pgcluster.command.CommandArgs;
import dev.pgcluster.command.Logging;
import dev.pgcluster.config.BackupSettings;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.S3Settings;
import dev.pgcluster.config.Secret;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * WAL archiving and backups with pgBackRest (README: Backups and recovery), shared by the modes:
 * <ul>
 * <li>the repository container {@code <prefix>-backup} on two volumes of its own, the repository
 * ({@code <prefix>-backup-repo}, encrypted) and its config ({@code <prefix>-backup-conf}: config,
 * key and certificate, the cipher passphrase, logs), kept on destroy unless
 * {@code backupRetainRepository} is false. It runs pgBackRest's TLS server and the backup
 * schedule;</li>
 * <li>per node a sidecar {@code <prefix>-<node>-backup} on the node's volume: pgBackRest's TLS
 * server the repository takes backups through (from a standby when one streams);</li>
 * <li>the files steps that write pgBackRest's config, keys and certificates (signed by the
 * cluster's CA) on the volumes, and the stanza step that makes the stanza and checks archiving (and,
 * deleted first on destroy, has the last WAL archived before the nodes and the repository go).</li>
 * </ul>
 * Every node archives with {@code archive_command} ({@link BackupFiles#serverSettings}); only the
 * primary does, so archiving follows a switchover or failover with nothing changed. The nodes
 * never hold the passphrase.
 */
public final class Backups extends ComponentResource {
    public static final String TYPE = "pgcluster:index:Backups";
    /** How often the repository container's schedule looks whether a backup is due. */
    static final int CHECK_SECONDS = 60;
    /** After a failed scheduled backup, how long the schedule waits before it tries again. */
    static final int RETRY_SECONDS = 600;
    /** On destroy: how long the last WAL segment may take to reach the repository. */
    static final int FINAL_ARCHIVE_SECONDS = 30;

    private final String name;
    private final ClusterConfig config;
    private final Inputs inputs;
    private final Container repository;
    private final Output<String> passphrase;
    private Command stanza;

    /**
     * What the repository needs from the cluster, before the nodes are declared.
     *
     * @param image       the cluster image's ID on the first node's host (it has pgBackRest)
     * @param networkName the cluster network there
     * @param tls         the cluster's CAs
     * @param placement   the first node's host: where everything of the backups runs
     */
    public record Inputs(Output<String> image, Output<String> networkName, ClusterTls tls, Placement placement) {
    }

    /**
     * What the sidecars and the stanza step need from the nodes, once they are declared.
     *
     * @param volumes     node name → its data volume's name
     * @param ready       node name → done once it is healthy
     * @param roles       done once the primary accepts the stack's roles (it is the primary)
     */
    public record Nodes(Map<String, Output<String>> volumes, Map<String, Resource> ready, Resource roles) {
    }

    /**
     * The repository: its volumes, passphrase, files step and container. Declared before the
     * nodes, whose containers start after it ({@link #nodesAfter}): on destroy the nodes stop
     * first, while the repository still takes what they archive on the way down.
     */
    private Backups(String name, ClusterConfig config, Inputs inputs, ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.name = name;
        this.config = config;
        this.inputs = inputs;
        BackupSettings settings = config.backup();
        Placement placement = inputs.placement();
        // With an S3 store the repository is there: no repository volume.
        Optional<Volume> repositoryVolume = settings.s3().isPresent() ? Optional.empty()
                : Optional.of(volume(name + "-repo", BackupFiles.repositoryVolume(config), config, placement));
        var configVolume = volume(name + "-conf", BackupFiles.repositoryConfigVolume(config), config, placement);
        this.passphrase = settings.passphrase().map(Secret::value)
                .orElseGet(() -> passphrase(name + "-passphrase", config, configVolume.name(), inputs));
        String repositoryName = BackupFiles.repositoryContainer(config);
        Output<String> repositorySecrets = settings.s3()
                .map(s3 -> Output.tuple(passphrase, s3.accessKey().value(), s3.secretKey().value())
                        .applyValue(t -> t.t1 + "\n" + t.t2 + "\n" + t.t3))
                .orElseGet(() -> passphrase.applyValue(p -> p + "\n\n"));
        Command repositoryFiles = files(name + "-files", config, "repository", configVolume.name(),
                BackupFiles.REPOSITORY_CONFIG_PATH, ".", repositoryVolume.map(Volume::name),
                BackupFiles.repositoryConfig(config), repositoryName, "DNS:" + repositoryName, inputs,
                repositorySecrets);

        String supervisor = InitScripts.read(InitScripts.BACKUP_REPOSITORY_IN_CONTAINER);
        this.repository = new Container(repositoryName, common(labels(config, "repository"),
                // The store's CA certificates too: pgBackRest reads the file only when it starts.
                loaded(BackupFiles.repositoryConfig(config) + supervisor
                        + settings.s3().flatMap(S3Settings::caCertificate).orElse(""), repositoryFiles, inputs))
                .name(repositoryName)
                .hostname(repositoryName)
                .image(inputs.image())
                .entrypoints("sh")
                .command(List.of("-c", supervisor))
                .envs(List.of(
                        "PGC_CONFIG_PATH=" + BackupFiles.REPOSITORY_CONFIG_PATH,
                        "PGC_STANZA=" + BackupFiles.stanza(config),
                        "PGC_FULL_SECONDS=" + settings.fullIntervalHours() * 3600L,
                        "PGC_DIFF_SECONDS=" + settings.diffIntervalHours() * 3600L,
                        "PGC_CHECK_SECONDS=" + CHECK_SECONDS,
                        "PGC_RETRY_SECONDS=" + RETRY_SECONDS))
                .networksAdvanced(ContainerNetworksAdvancedArgs.builder()
                        .name(inputs.networkName()).aliases(repositoryName).build())
                .volumes(java.util.stream.Stream.concat(
                        repositoryVolume.stream().map(v -> ContainerVolumeArgs.builder().volumeName(v.name())
                                .containerPath(BackupFiles.REPOSITORY_PATH).build()),
                        java.util.stream.Stream.of(ContainerVolumeArgs.builder().volumeName(configVolume.name())
                                .containerPath(BackupFiles.REPOSITORY_CONFIG_PATH).build())).toList())
                .build(),
                placement.dockerOptions(this).deleteBeforeReplace(true).dependsOn(repositoryFiles)
                        .ignoreChanges(placement.ignoring(List.of())).build());
    }

    /**
     * The nodes' part: per node the files step and the sidecar on its volume, and the stanza step
     * once every node runs. Called once, after the nodes are declared.
     */
    public void attach(Nodes nodes) {
        Placement placement = inputs.placement();
        var sidecars = new ArrayList<Resource>();
        for (var node : config.nodes()) {
            String sidecarName = BackupFiles.sidecar(config, node.name());
            Output<String> volume = nodes.volumes().get(node.name());
            Command nodeFiles = files(name + "-" + node.name() + "-files", config, "node", volume,
                    PostgresNode.VOLUME_PATH, "conf/pgbackrest", Optional.empty(),
                    BackupFiles.nodeConfig(config, node.name()), BackupFiles.nodeCommonName(config, node.name()),
                    "DNS:" + sidecarName, inputs, Output.of("\n\n"));
            var labels = labels(config, "sidecar");
            labels.put(BackupFiles.LABEL_SERVES, node.name());
            sidecars.add(new Container(sidecarName, common(labels, loaded(BackupFiles.nodeConfig(config, node.name()),
                    nodeFiles, inputs))
                    .name(sidecarName)
                    .hostname(sidecarName)
                    .image(inputs.image())
                    .entrypoints("pgbackrest")
                    .command(List.of("--config-path=" + BackupFiles.NODE_CONFIG_PATH, "server"))
                    .networksAdvanced(ContainerNetworksAdvancedArgs.builder()
                            .name(inputs.networkName()).aliases(sidecarName).build())
                    .volumes(ContainerVolumeArgs.builder().volumeName(volume).containerPath(PostgresNode.VOLUME_PATH).build())
                    .build(),
                    // After the node: its conf step writes the CA certificates the sidecar reads.
                    placement.dockerOptions(this).deleteBeforeReplace(true)
                            .dependsOn(List.of(nodeFiles, nodes.ready().get(node.name())))
                            .ignoreChanges(placement.ignoring(List.of())).build()));
        }

        var stanzaAfter = new ArrayList<Resource>(sidecars);
        stanzaAfter.add(repository);
        stanzaAfter.add(nodes.roles());
        stanzaAfter.addAll(nodes.ready().values());
        this.stanza = new Command(name + "-stanza", CommandArgs.builder()
                .create(InitScripts.read(InitScripts.BACKUP_STANZA))
                .environment(repository.name().applyValue(container -> {
                    var env = new LinkedHashMap<String, String>();
                    env.put("PGC_STEP", "backup-stanza");
                    env.put("PGC_REPOSITORY_CONTAINER", container);
                    env.put("PGC_CONFIG_PATH", BackupFiles.REPOSITORY_CONFIG_PATH);
                    env.put("PGC_STANZA", BackupFiles.stanza(config));
                    env.put("PGC_TIMEOUT_SECONDS", String.valueOf(config.healthTimeoutSeconds()));
                    config.backup().s3().ifPresent(s3 -> env.put("PGC_S3_REPOSITORY", "s3://" + s3.bucket() + s3.path()));
                    env.putAll(placement.commandEnvironment());
                    return (Map<String, String>) env;
                }))
                // A new repository container (new config, a new image) checks again.
                .triggers(repository.id().applyValue(id -> List.<Object>of(id)))
                .logging(Logging.STDOUT_AND_STDERR)
                .build(),
                CustomResourceOptions.builder().parent(this).dependsOn(stanzaAfter)
                        .ignoreChanges(placement.ignoring(List.of())).build());
        // Deleted before the nodes, the sidecars and the repository (it starts after them): on
        // destroy the last WAL is archived first. (Backups turned off restart the nodes without
        // archiving before this step goes: then it only warns.) Only names in
        // its inputs, none of their outputs: a repository container replaced during an up (new
        // keys, certificates, image) does not replace it, so nothing is switched then.
        var env = new LinkedHashMap<String, String>();
        env.put("PGC_STEP", "backup-final-archive");
        env.put("PGC_REPOSITORY_CONTAINER", BackupFiles.repositoryContainer(config));
        env.put("PGC_CONFIG_PATH", BackupFiles.REPOSITORY_CONFIG_PATH);
        env.put("PGC_STANZA", BackupFiles.stanza(config));
        env.put("PGC_FINAL_ARCHIVE_SECONDS", String.valueOf(FINAL_ARCHIVE_SECONDS));
        env.putAll(placement.commandEnvironment());
        new Command(name + "-final-archive", CommandArgs.builder()
                .create("echo \"pg-cluster: when this step is deleted (pulumi destroy), the primary's last WAL"
                        + " is archived first\" >&2")
                .delete(InitScripts.read(InitScripts.BACKUP_FINAL_ARCHIVE))
                .environment(env)
                .logging(Logging.STDOUT_AND_STDERR)
                .build(),
                CustomResourceOptions.builder().parent(this).dependsOn(stanzaAfter)
                        .ignoreChanges(placement.ignoring(List.of())).build());
        registerOutputs(Map.of("repository", repository.name()));
    }

    /**
     * The repository's passphrase when config sets none (init/backup/passphrase.sh): the one its
     * retained config volume holds, else a new one; made once and kept in state as a secret, never
     * again (not with passwordGeneration either: a new one would lock the stack out of its backups).
     */
    private Output<String> passphrase(String name, ClusterConfig config, Output<String> configVolume, Inputs inputs) {
        var step = new Command(name, CommandArgs.builder()
                .create(InitScripts.read(InitScripts.BACKUP_PASSPHRASE))
                .environment(Output.tuple(configVolume, inputs.image()).applyValue(t -> {
                    var env = new LinkedHashMap<String, String>();
                    env.put("PGC_STEP", "backup-passphrase");
                    env.put("PGC_VOLUME", t.t1);
                    env.put("PGC_IMAGE", t.t2);
                    env.put("PGC_RUNNER", name);
                    env.put("PGC_PROJECT", config.project());
                    env.put("PGC_STACK", config.stack());
                    env.putAll(inputs.placement().commandEnvironment());
                    return (Map<String, String>) env;
                }))
                .logging(Logging.NONE)
                .addPreviousOutputInEnv(false)
                .build(),
                CustomResourceOptions.builder().parent(this)
                        .additionalSecretOutputs(List.of("stdout"))
                        .ignoreChanges(inputs.placement().ignoring(ClusterSecrets.GENERATOR_INPUTS)).build());
        return step.stdout().applyValue(String::strip).asSecret();
    }

    private Volume volume(String resourceName, String volumeName, ClusterConfig config, Placement placement) {
        var volumeLabels = Labels.stack(config);
        volumeLabels.put(BackupFiles.LABEL, "repository");
        volumeLabels.put(Labels.RETAIN_ON_DELETE, String.valueOf(config.backup().retainRepository()));
        return new Volume(resourceName, VolumeArgs.builder()
                .name(volumeName)
                .labels(volumeLabels.entrySet().stream()
                        .map(e -> VolumeLabelArgs.builder().label(e.getKey()).value(e.getValue()).build()).toList())
                .build(),
                placement.dockerOptions(this).retainOnDelete(config.backup().retainRepository()).deleteBeforeReplace(true)
                        .ignoreChanges(placement.ignoring(List.of("labels"))).build());
    }

    /**
     * A step that writes pgBackRest's files on a volume (init/backup/files.sh).
     *
     * @param secrets three lines: for the repository its cipher passphrase, then the S3 access key
     *                and secret key (empty lines for the repository volume); empty lines for a node
     */
    private Command files(String name, ClusterConfig config, String role, Output<String> volume, String mount,
                          String targetDir, Optional<Output<String>> repositoryVolume, String backupConf, String commonName,
                          String certNames, Inputs inputs, Output<String> secrets) {
        Output<String> repositoryName = repositoryVolume.orElse(Output.of(""));
        return new Command(name, CommandArgs.builder()
                .create(InitScripts.read(InitScripts.BACKUP_FILES))
                .environment(Output.tuple(volume, inputs.image(), inputs.tls().trustedCertificates(), repositoryName)
                        .applyValue(t -> {
                            var env = new LinkedHashMap<String, String>();
                            env.put("PGC_STEP", "backup-files");
                            env.put("PGC_BACKUP_ROLE", role);
                            env.put("PGC_RUNNER", name);
                            env.put("PGC_VOLUME", t.t1);
                            env.put("PGC_MOUNT", mount);
                            env.put("PGC_TARGET_DIR", targetDir);
                            if (!t.t4.isEmpty()) {
                                env.put("PGC_REPOSITORY_VOLUME", t.t4);
                                env.put("PGC_REPOSITORY_PATH", BackupFiles.REPOSITORY_PATH);
                            }
                            env.put("PGC_IMAGE", t.t2);
                            env.put("PGC_BACKUP_CONF", backupConf);
                            if (role.equals("repository")) {
                                config.backup().s3().flatMap(S3Settings::caCertificate)
                                        .ifPresent(ca -> env.put("PGC_S3_CA", ca));
                            }
                            env.put("PGC_CA_BUNDLE", t.t3);
                            env.put("PGC_CERT_CN", commonName);
                            env.put("PGC_CERT_NAMES", certNames);
                            // Raising tlsCertificateGeneration renews these certificates too.
                            env.put("PGC_CERT_GENERATION", String.valueOf(config.tls().certificateGeneration()));
                            env.put("PGC_FILES_SCRIPT", InitScripts.read(InitScripts.BACKUP_FILES_IN_CONTAINER));
                            env.put("PGC_PROJECT", config.project());
                            env.put("PGC_STACK", config.stack());
                            env.putAll(inputs.placement().commandEnvironment());
                            return (Map<String, String>) env;
                        }))
                .stdin(Output.tuple(secrets, inputs.tls().signingAuthority())
                        .applyValue(t -> t.t1 + "\n" + t.t2).asSecret())
                // A new volume is empty: the step is replaced with it and writes the files again.
                .triggers(Output.tuple(volume, repositoryName).applyValue(t -> List.<Object>of(t.t1, t.t2)))
                .build(),
                CustomResourceOptions.builder().parent(this)
                        .ignoreChanges(inputs.placement().ignoring(List.of())).build());
    }

    /**
     * The {@link Labels#CONFIG} label of a container running pgBackRest's server, which reads its
     * config, CA certificates, key and certificate only when it starts: a digest of the config
     * text, the CA certificates the cluster trusts and the certificate its files step made (that
     * step's stdout names it), so that a change of any of them brings a new container.
     */
    private static Output<String> loaded(String configText, Command files, Inputs inputs) {
        return Output.tuple(files.stdout(), inputs.tls().trustedCertificates())
                .applyValue(t -> "sha256:" + Labels.sha256Prefix(configText + "\n" + t.t1 + "\n" + t.t2));
    }

    private static ContainerArgs.Builder common(Map<String, String> labels, Output<String> loaded) {
        var args = new ArrayList<ContainerLabelArgs>();
        labels.forEach((k, v) -> args.add(ContainerLabelArgs.builder().label(k).value(v).build()));
        args.add(ContainerLabelArgs.builder().label(Labels.CONFIG).value(loaded).build());
        // pgBackRest runs as postgres from start to end; it writes only to its volumes, and its
        // locks to /tmp.
        return Hardening.service(args)
                .user("postgres")
                .readOnly(true)
                .tmpfs(Map.<String, Object>of("/tmp", "rw,noexec,nosuid,nodev,size=16m"));
    }

    private static Map<String, String> labels(ClusterConfig config, String kind) {
        var labels = Labels.stack(config);
        labels.put(Labels.ENVIRONMENT, config.environment().configValue());
        labels.put(BackupFiles.LABEL, kind);
        return labels;
    }

    /** The repository's cipher passphrase (secret): what a restore from a copy of the repository needs. */
    public Output<String> passphrase() {
        return passphrase;
    }

    public Container repository() {
        return repository;
    }

    /** Done once the stanza exists and archiving is checked. */
    public Command stanza() {
        return stanza;
    }

    /**
     * What every node's container starts after: the repository container, so that on destroy
     * (and on any delete of both) the nodes stop first and their archiver finishes into a
     * repository that is still there. Without it a stopping primary with WAL to archive waits
     * for an archive-push to an absent host until Docker kills it.
     */
    public List<Resource> nodesAfter() {
        return List.of(repository);
    }

    /**
     * Backups are declared only when config turns them on (and then TLS is on: the config says
     * so): the repository now, the nodes' part with {@link #attach}.
     */
    public static Optional<Backups> declare(String name, ClusterConfig config, Supplier<Inputs> inputs,
                                            ComponentResourceOptions options) {
        return config.backup().enabled() ? Optional.of(new Backups(name, config, inputs.get(), options)) : Optional.empty();
    }
}
