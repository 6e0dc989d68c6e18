package dev.pgcluster;

import com.pulumi.Config;
import com.pulumi.Context;
import com.pulumi.Pulumi;
import com.pulumi.core.Output;
import dev.pgcluster.cluster.Monitoring;
import dev.pgcluster.cluster.PostgresCluster;
import dev.pgcluster.cluster.ScramVerifier;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.ConfigReader;
import dev.pgcluster.config.DockerHosts;
import dev.pgcluster.config.RuntimeConfigInfo;
import dev.pgcluster.topology.ClusterProbe;
import dev.pgcluster.topology.ClusterStateException;
import dev.pgcluster.topology.DockerProbe;
import dev.pgcluster.mode.HaMode;
import java.util.List;
import java.util.Optional;

/** Entry point of the Pulumi program: read config once, then declare the cluster. */
public final class App {
    private App() {
    }

    public static void main(String[] args) {
        ScramVerifier.warmUp();
        Pulumi.run(App::stack);
    }

    /**
     * The whole program: validated config first, then what the nodes on Docker are now compared
     * with it (nothing is declared on bad input or on a cluster config does not describe), then
     * resources.
     */
    public static void stack(Context ctx) {
        stack(ctx, ctx.config(), RuntimeConfigInfo.fromEnvironment(System.getenv()));
    }

    /**
     * {@link #stack(Context)} with the config bag and runtime facts given, as tests give them (an
     * inline Automation API program gets no {@code PULUMI_CONFIG} environment).
     */
    public static PostgresCluster stack(Context ctx, Config config, RuntimeConfigInfo runtime) {
        String defaultDockerHost = DockerHosts.providerDefault(ctx.config("docker").get("host"), System.getenv());
        ClusterConfig clusterConfig = ConfigReader.read(config, ctx.projectName(), ctx.stackName(), runtime,
                defaultDockerHost);
        return declare(ctx, clusterConfig, new DockerProbe());
    }

    /** Stops the program before anything is declared when there are {@code problems}: them, then {@code then}. */
    private static void refuse(List<String> problems, String then) {
        if (!problems.isEmpty()) {
            throw new ClusterStateException(String.join("; ", problems) + then);
        }
    }

    /**
     * Declares the cluster for an already validated config and exports its outputs, after the
     * split-brain guard: {@code probe} tells what the nodes are now.
     */
    public static PostgresCluster declare(Context ctx, ClusterConfig config, ClusterProbe probe) {
        HaMode mode = HaMode.of(config.ha());
        // Nothing is declared: the provider of a host that does not answer fails every resource on
        // it, and what the program cannot see it must not plan to change.
        refuse(probe.unreachableHosts(config), ". Nothing was declared: the program cannot see the nodes there, and never"
                + " plans to replace or delete what it cannot see. Bring the host back (or correct its endpoint or certPath)"
                + " and run again (README: Several Docker hosts)");
        refuse(probe.misplacedMembers(config), ". Moving a node between Docker hosts is not built: the provider would replace"
                + " its container and its data volume, and seed it afresh on the new host (a primary's data would be lost)."
                + " Nothing was declared. Keep each node where it runs (README: Several Docker hosts)");
        refuse(probe.networkProblems(config), ". Nothing was declared (README: Several Docker hosts)");
        refuse(probe.answeringLostHosts(config), ". Nothing was declared: a run without a host that answers would skip"
                + " fencing the nodes there, and an old primary there would go on taking writes beside the new one. Remove"
                + " the host from it (pulumi config rm pg-cluster:lostHosts, or set it to the hosts that are still lost) and"
                + " run again (README: Several Docker hosts)");
        if (!config.lostHosts().isEmpty()) {
            var removed = probe.stackNodes(config).stream().filter(n -> !config.nodeNames().contains(n)).toList();
            refuse(removed.isEmpty() ? List.of() : List.of("pg-cluster:lostHosts is set, and config no longer names "
                    + String.join(", ", removed)), ": removing a node runs its slot's drop on the primary it followed, which"
                    + " may be on a lost host. Nothing was declared. Scale down when every host is back");
        }
        Optional<String> keptImageId = Optional.empty();
        if (!config.pullImage() && config.lost(config.hostOf(config.nodes().get(0)))) {
            keptImageId = config.nodes().stream().filter(n -> !config.lost(config.hostOf(n)))
                    .map(n -> probe.imageOf(config, n.name())).flatMap(Optional::stream).findFirst();
            if (keptImageId.isEmpty()) {
                throw new ClusterStateException("the image of the cluster's nodes cannot be read on"
                        + " any host that answers, and " + config.nodes().get(0).name() + "'s host, where pg-cluster:image is"
                        + " looked up (pg-cluster:pullImage = false), is in pg-cluster:lostHosts. Nothing was declared");
            }
        }
        refuse(probe.backupProblems(config), ". Nothing was declared");
        refuse(probe.restoreProblems(config), ". Nothing was declared (README: Backups and recovery, \"Restore\")");
        refuse(probe.portConflicts(config), ". Nothing was declared: a container whose port is taken would fail when"
                + " Docker starts it, after the steps before it ran");
        Optional<String> found = mode.check(config, probe, ctx.log()::warn, ctx.log()::info);
        var cluster = new PostgresCluster(config, mode, found, keptImageId);
        ctx.export("ha", Output.of(config.ha().mode().configValue()));
        if (!cluster.followsLeader()) {
            // With a leader the mode elects itself, no node is "the primary" in state: the write
            // strings list every node and land on whichever leads.
            ctx.export("primaryNode", Output.of(cluster.primaryNode()));
            ctx.export("primaryHost", Output.of(cluster.primaryHost()));
            ctx.export("primaryPort", Output.of(cluster.primaryPort()));
        }
        ctx.export("primaryConnectionString", cluster.primaryConnectionString());
        ctx.export("primaryJdbcUrl", cluster.primaryJdbcUrl());
        ctx.export("replicaConnectionStrings", cluster.replicaConnectionStrings());
        ctx.export("readOnlyConnectionString", cluster.readOnlyConnectionString());
        ctx.export("readOnlyJdbcUrl", cluster.readOnlyJdbcUrl());
        ctx.export("caCertificate", cluster.caCertificate());
        if (config.monitoring().enabled()) {
            ctx.export("prometheusUrl", Output.of(Monitoring.prometheusUrl(config)));
            ctx.export("exporterEndpoints", Output.of(Monitoring.exporterEndpoints(config)));
        }
        cluster.backups().ifPresent(backups -> {
            ctx.export("backupRepository", backups.repository().name());
            ctx.export("backupStanza", Output.of(dev.pgcluster.backup.BackupFiles.stanza(config)));
            ctx.export("backupCommand", Output.of(dev.pgcluster.backup.BackupFiles.backupCommand(config, "full")));
            ctx.export("backupPassphrase", backups.passphrase());
        });
        ctx.export("appUser", Output.of(config.clientRoles().appUser()));
        ctx.export("monitoringUser", Output.of(config.clientRoles().monitoringUser()));
        ctx.export("replicationSlots", Output.of(cluster.replicationSlots()));
        ctx.export("networkName", cluster.network().networkName());
        ctx.export("replicationMode", Output.of(cluster.replicationMode()));
        return cluster;
    }
}
