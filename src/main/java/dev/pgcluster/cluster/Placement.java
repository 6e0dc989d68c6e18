package dev.pgcluster.cluster;

import com.pulumi.core.Output;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.ProviderResource;
import com.pulumi.resources.Resource;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.DockerHostSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which Docker host a node lives on: the docker provider that manages its objects and the
 * {@code DOCKER_HOST} its command steps talk to — always the same engine.
 *
 * @param host     the Docker host
 * @param provider the explicit docker provider for that host; empty for the default provider
 * @param lost     the host is one of {@code lostHosts}: it does not answer, and this run goes on
 *                 without it. Everything on it keeps what it has in state ({@link #ignoring}): no
 *                 provider call and no step reaches it.
 */
public record Placement(DockerHostSpec host, Optional<ProviderResource> provider, boolean lost) {
    /** What {@code ignoreChanges} says for every resource on a lost host: all of its inputs. */
    public static final List<String> EVERY_INPUT = List.of("*");

    /**
     * The {@code ignoreChanges} of a resource on this host: {@code inputs}, or on a lost host every
     * input. The engine then plans nothing for a resource there that is in state (it compares the
     * inputs state holds with themselves), so neither its provider nor its step is asked to reach
     * the host. One that is not in state yet would still be created: a step that must not run
     * there is not declared while the host is lost.
     */
    public List<String> ignoring(List<String> inputs) {
        return lost ? EVERY_INPUT : inputs;
    }

    /** The Docker host URL the provider uses. */
    public String dockerHost() {
        return host.endpoint();
    }

    /** Options for a Docker object that belongs to {@code parent}. */
    public CustomResourceOptions.Builder dockerOptions(Resource parent) {
        var builder = CustomResourceOptions.builder().parent(parent);
        provider.ifPresent(builder::provider);
        return builder;
    }

    /**
     * Environment for command steps that run the docker CLI against this host. Set even for the
     * default host: the CLI would otherwise follow the user's docker context, which the provider
     * ignores, and the steps would act on another engine than the containers.
     */
    public Map<String, String> commandEnvironment() {
        return cliEnvironment(host);
    }

    /**
     * What the docker CLI needs to reach {@code host}: its URL and, for a host of
     * {@code dockerHosts}, its TLS client files with the server verified
     * ({@code DOCKER_TLS_VERIFY}: without it the CLI would not check the engine's certificate), or
     * both empty (the CLI then ignores whatever the caller's environment holds).
     */
    public static Map<String, String> cliEnvironment(DockerHostSpec host) {
        var env = new LinkedHashMap<String, String>();
        env.put("DOCKER_HOST", host.endpoint());
        if (host.name().isPresent()) {
            env.put("DOCKER_CERT_PATH", host.certPath().orElse(""));
            env.put("DOCKER_TLS_VERIFY", host.certPath().isPresent() ? "1" : "");
        }
        return env;
    }

    /**
     * {@code PGC_NODE_DOCKER} of init/lib/hosts.sh: one line per node, "NODE DOCKER_HOST CERT_PATH"
     * ("-" without client files). Empty when the nodes are on one host.
     */
    public static Optional<String> nodeDockerTable(ClusterConfig config) {
        if (!config.severalHosts()) {
            return Optional.empty();
        }
        return Optional.of(config.nodes().stream()
                .map(n -> n.name() + " " + config.hostOf(n).endpoint() + " " + config.hostOf(n).certPath().orElse("-"))
                .collect(Collectors.joining("\n")));
    }

    /**
     * {@code PGC_NODE_ENDPOINTS} of init/lib/hosts.sh: one line per node, "NODE HOST PORT", where
     * the other nodes reach its server. Empty when the nodes are on one host, or reach each other
     * by name over a swarm overlay.
     */
    public static Optional<String> nodeEndpointTable(ClusterConfig config) {
        if (!config.peersByAddress()) {
            return Optional.empty();
        }
        return Optional.of(config.nodes().stream()
                .map(n -> n.name() + " " + config.peerHost(n.name()) + " " + config.peerPort(n.name()))
                .collect(Collectors.joining("\n")));
    }

    /**
     * {@code PGC_NODE_IMAGES} of init/lib/hosts.sh: one line per node, "NODE IMAGE_ID", the cluster
     * image's ID on each node's host (hosts that pull it may hold another build of the same tag);
     * "" when the nodes are on one host. A step that takes it waits for the image on every host.
     */
    public static Output<String> nodeImageTable(ClusterConfig config, Function<String, Output<String>> imageOfNode) {
        if (!config.severalHosts()) {
            return Output.of("");
        }
        return Output.all(config.nodes().stream()
                        .map(n -> imageOfNode.apply(n.name()).applyValue(id -> n.name() + " " + id)).toList())
                .applyValue(lines -> String.join("\n", lines));
    }

    /** Both tables, for a step's environment (nothing when the nodes are on one host). */
    public static Map<String, String> nodeTables(ClusterConfig config) {
        var env = new LinkedHashMap<String, String>();
        nodeDockerTable(config).ifPresent(t -> env.put("PGC_NODE_DOCKER", t));
        nodeEndpointTable(config).ifPresent(t -> env.put("PGC_NODE_ENDPOINTS", t));
        return env;
    }
}
