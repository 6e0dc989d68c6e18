package dev.pgcluster.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Which Docker host the docker provider talks to when a node names none. */
public final class DockerHosts {
    /** The provider's and the docker CLI's built-in default on Linux. */
    public static final String LOCAL_SOCKET = "unix:///var/run/docker.sock";

    private DockerHosts() {
    }

    /**
     * The default provider's host, resolved the way the provider resolves it: {@code docker:host}
     * config, else {@code DOCKER_HOST}, else the local socket. The docker CLI that the command
     * steps run would also follow a docker context ({@code docker context use}); the provider
     * does not, so the steps are always given this host explicitly.
     *
     * @param providerHostConfig the value of {@code docker:host}, if set
     * @param environment        the program's environment
     * @throws ConfigException when {@code docker:host} is not a Docker host URL
     */
    public static String providerDefault(Optional<String> providerHostConfig, Map<String, String> environment) {
        if (providerHostConfig.isPresent()) {
            try {
                return Validators.dockerHost("docker:host", providerHostConfig.get());
            } catch (InvalidValue e) {
                throw new ConfigException(List.of(e.getMessage()));
            }
        }
        String fromEnvironment = environment.get("DOCKER_HOST");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.strip();
        }
        return LOCAL_SOCKET;
    }
}
