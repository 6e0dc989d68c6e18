package dev.pgcluster.config;

import java.util.Objects;
import java.util.Optional;

/**
 * One PostgreSQL node.
 *
 * @param name       stable, role-neutral node name ({@code pg0}, {@code pg1}, …); also the replica's
 *                   {@code application_name} and replication slot name
 * @param role       what the node does now
 * @param hostPort   the port published on the Docker host
 * @param host       the Docker host the node runs on; empty means the provider's default
 *                   ({@code DOCKER_HOST} or the local socket)
 */
public record NodeSpec(String name, Role role, int hostPort, Optional<DockerHostSpec> host) {
    public NodeSpec {
        Objects.requireNonNull(name);
        Objects.requireNonNull(role);
        Objects.requireNonNull(host);
    }

    /** The URL of the node's Docker host; empty for the provider's default. */
    public Optional<String> dockerHost() {
        return host.map(DockerHostSpec::endpoint);
    }

    /** The address of the node's host in {@code dockerHosts}; empty on a single host. */
    public Optional<String> hostAddress() {
        return host.flatMap(DockerHostSpec::address);
    }

    public boolean isPrimary() {
        return role == Role.PRIMARY;
    }
}
