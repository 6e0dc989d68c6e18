package dev.pgcluster.cluster;

import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.ProviderResource;
import com.pulumi.resources.Resource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which Docker host a node lives on: the docker provider that manages its objects and the
 * {@code DOCKER_HOST} its command steps talk to. Empty means the provider's default host.
 *
 * @param dockerHost the Docker host URL, if not the default
 * @param provider   the docker provider for that host, if not the default
 */
public record Placement(Optional<String> dockerHost, Optional<ProviderResource> provider) {
    public static final Placement DEFAULT_HOST = new Placement(Optional.empty(), Optional.empty());

    /** Options for a Docker object that belongs to {@code parent}. */
    public CustomResourceOptions.Builder dockerOptions(Resource parent) {
        var builder = CustomResourceOptions.builder().parent(parent);
        provider.ifPresent(builder::provider);
        return builder;
    }

    /** Environment for command steps that run the docker CLI against this host. */
    public Map<String, String> commandEnvironment() {
        var env = new LinkedHashMap<String, String>();
        dockerHost.ifPresent(host -> env.put("DOCKER_HOST", host));
        return env;
    }
}
