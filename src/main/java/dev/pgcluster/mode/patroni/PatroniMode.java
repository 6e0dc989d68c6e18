package dev.pgcluster.mode.patroni;

import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.pgcluster.cluster.ClusterSecrets;
import dev.pgcluster.cluster.ClusterTls;
import dev.pgcluster.cluster.InitScripts;
import dev.pgcluster.cluster.PasswordsStep;
import dev.pgcluster.cluster.Placement;
import dev.pgcluster.command.Command;
import dev.pgcluster.command.CommandArgs;
import dev.pgcluster.command.Logging;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.NodeSpec;
import dev.pgcluster.mode.ClusterParts;
import dev.pgcluster.mode.DeclaredNodes;
import dev.pgcluster.mode.HaMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import dev.pgcluster.topology.ClusterProbe;

/**
 * {@code ha: patroni}: Patroni on every node, with a DCS of etcd members. Patroni makes the first
 * cluster, the base backups of the others, their slots, and decides which member leads: it fails
 * over by itself. pg-cluster declares the members, their files, the DCS configuration
 * ({@code PATCH /config} when it changes) and the roles.
 *
 * <p>Order: the control-plane CA → the etcd members (healthy) → the Patroni members (in parallel;
 * each ready once it leads or streams) → the DCS configuration and the roles, on the leader.
 */
public final class PatroniMode implements HaMode {

    /**
     * Nothing to compare: which member leads is Patroni's to decide, and a leader other than
     * {@code primary} is no error (after a failover, {@code pulumi up} changes nothing).
     */
    @Override
    public Optional<String> check(ClusterConfig config, ClusterProbe probe, Consumer<String> warn, Consumer<String> info) {
        return Optional.empty();
    }

    @Override
    public DeclaredNodes declare(ClusterParts parts) {
        ClusterConfig config = parts.config();
        ClusterTls tls = parts.tls().orElseThrow(() -> new IllegalStateException("ha: patroni needs TLS (ConfigReader checks it)"));
        String name = config.namePrefix();
        Placement primaryPlacement = parts.placements().get(config.primary().name());
        var options = ComponentResourceOptions.builder().parent(parts.cluster()).build();

        // The control plane's own CA: a certificate of PostgreSQL's CA opens no door to etcd or to the REST API.
        Command controlPlaneCa = ClusterTls.authority(parts.cluster(), name + "-dcs-ca", config,
                name + " control-plane CA", parts.image(), primaryPlacement);
        Output<String> signing = controlPlaneCa.stdout().asSecret();
        Output<String> restApiPassword = ClusterSecrets.generated(parts.cluster(), name + "-secrets-restapi-password",
                config.passwordGeneration());

        Output<String> etcdImage = parts.images().apply(config.ha().etcdImage());
        var dcs = new ArrayList<Resource>();
        for (String member : config.ha().dcsMemberNames()) {
            var etcd = new EtcdMember(name + "-" + member, config, member, etcdImage, parts.image(),
                    parts.network().networkName(), primaryPlacement, signing, options);
            dcs.add(etcd.readiness());
        }

        Output<String> secretsFile = Output.tuple(restApiPassword, parts.secrets().replicationPassword())
                .applyValue(t -> PatroniFiles.memberSecrets(config, t.t1, t.t2)).asSecret();
        var members = new LinkedHashMap<String, PatroniMember>();
        for (NodeSpec node : config.nodes()) {
            members.put(node.name(), new PatroniMember(name + "-" + node.name(), config, node, parts.image(),
                    parts.network().networkName(), parts.placements().get(node.name()), tls,
                    parts.secrets().replicationPassword(), secretsFile, signing, dcs, options));
        }
        var ready = new ArrayList<Resource>();
        members.values().forEach(m -> ready.add(m.readiness()));
        String memberContainers = String.join(" ", config.nodeNames().stream().map(config::containerName).toList());

        dcsConfig(parts, name + "-dcs-config", memberContainers, primaryPlacement, ready);
        Command roles = roles(parts, name + "-passwords", memberContainers, primaryPlacement, ready);

        var containerNames = new LinkedHashMap<String, Output<String>>();
        members.forEach((node, member) -> containerNames.put(node, member.containerName()));
        // Every node: libpq tries them in order and keeps the one that accepts writes.
        return new DeclaredNodes(containerNames, roles, config.nodes(), true);
    }

    /** The dynamic configuration in the DCS, set through the REST API whenever its declared value changes. */
    private static Command dcsConfig(ClusterParts parts, String name, String memberContainers, Placement placement,
                                     List<Resource> after) {
        ClusterConfig config = parts.config();
        var env = new LinkedHashMap<String, String>();
        env.put("PGC_STEP", "dcs-config");
        env.put("PGC_MEMBER_CONTAINERS", memberContainers);
        env.put("PGC_DCS_CONFIG", PatroniFiles.dynamicConfigJson(config));
        env.put("PGC_PATCH_SCRIPT", InitScripts.read(InitScripts.PATCH_CONFIG));
        env.putAll(placement.commandEnvironment());
        return new Command(name, CommandArgs.builder()
                .create(InitScripts.read(InitScripts.DCS_CONFIG))
                .environment(env)
                .logging(Logging.STDOUT_AND_STDERR)
                .build(),
                CustomResourceOptions.builder().parent(parts.cluster()).dependsOn(after).build());
    }

    /** The passwords step of every mode (init/primary/sync-passwords.sh), on whichever member leads. */
    private static Command roles(ClusterParts parts, String name, String memberContainers, Placement placement,
                                 List<Resource> after) {
        ClusterConfig config = parts.config();
        var env = PasswordsStep.environment(config, placement);
        env.put("PGC_MEMBER_CONTAINERS", memberContainers);
        env.put("PGC_TIMEOUT_SECONDS", String.valueOf(config.healthTimeoutSeconds()));
        return new Command(name, CommandArgs.builder()
                .create(InitScripts.readJoined(InitScripts.ON_LEADER, InitScripts.SYNC_PASSWORDS))
                .environment(env)
                .stdin(PasswordsStep.verifiers(parts.secrets()))
                .logging(Logging.STDOUT_AND_STDERR)
                .build(),
                CustomResourceOptions.builder()
                        .parent(parts.cluster())
                        .dependsOn(after)
                        .additionalSecretOutputs(List.of("stdout", "stderr"))
                        .build());
    }

}
