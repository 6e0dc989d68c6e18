package dev.pgcluster.config;

import java.util.Objects;
import java.util.Optional;

/**
 * A Docker engine nodes run on.
 *
 * @param name     the host's name in {@code dockerHosts} ({@code placement} names it); empty for the
 *                 host of the single-host {@code dockerHost} key
 * @param endpoint the engine's URL: {@code tcp://} (TLS), {@code ssh://} or {@code unix://}
 * @param certPath for {@code tcp://}: a directory with the CA that signed the engine's certificate
 *                 ({@code ca.pem}) and the client's certificate and key ({@code cert.pem},
 *                 {@code key.pem}), the docker CLI's layout; the provider is given the path, never
 *                 the key itself, so no key reaches the stack's state
 * @param address  the IPv4 address the host's published ports are on, and its peers' traffic comes
 *                 from; empty for the single-host key (its nodes publish on {@code publishAddress})
 */
public record DockerHostSpec(Optional<String> name, String endpoint, Optional<String> certPath,
                             Optional<String> address) {
    public DockerHostSpec {
        Objects.requireNonNull(name);
        Objects.requireNonNull(endpoint);
        Objects.requireNonNull(certPath);
        Objects.requireNonNull(address);
    }

    /** The host of the single-host {@code dockerHost} key (or of the default provider). */
    public static DockerHostSpec unnamed(String endpoint) {
        return new DockerHostSpec(Optional.empty(), endpoint, Optional.empty(), Optional.empty());
    }

    /** How messages name it: {@code h1 (tcp://10.0.0.11:2376)}, or just the endpoint. */
    public String describe() {
        return name.map(n -> n + " (" + endpoint + ")").orElse(endpoint);
    }
}
