package dev.pgcluster.cluster;

import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.ProviderResource;
import com.pulumi.resources.Resource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which Docker host a node lives on: the docker provider that manages its objects and the
 * {@code DOCKER_HOST} its command steps talk to — always the same engine.
 *
 * @param dockerHost the Docker host URL the provider uses
 * @param provider   the explicit docker provider for that host; empty for the default provider
 */
public record Placement(String dockerHost, Optional<ProviderResource> provider) {

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
        var env = new LinkedHashMap<String, String>();
        env.put("DOCKER_HOST", dockerHost);
        return env;
    }
}
