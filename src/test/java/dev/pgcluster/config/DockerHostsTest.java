package dev.pgcluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The default provider's host, resolved as the provider resolves it, for the command steps. */
class DockerHostsTest {

    @Test
    void dockerHostConfigWinsOverTheEnvironment() {
        assertEquals("tcp://db-host:2376", DockerHosts.providerDefault(Optional.of("tcp://db-host:2376"),
                Map.of("DOCKER_HOST", "unix:///other.sock")));
    }

    @Test
    void theEnvironmentWinsOverTheLocalSocket() {
        assertEquals("ssh://ops@db-host", DockerHosts.providerDefault(Optional.empty(), Map.of("DOCKER_HOST", "ssh://ops@db-host")));
    }

    @Test
    void theLocalSocketWhenNothingIsSetAndAContextIsIgnoredAsTheProviderIgnoresIt() {
        assertEquals("unix:///var/run/docker.sock", DockerHosts.providerDefault(Optional.empty(), Map.of()));
        assertEquals("unix:///var/run/docker.sock", DockerHosts.providerDefault(Optional.empty(),
                Map.of("DOCKER_HOST", " ", "DOCKER_CONTEXT", "remote")));
    }

    @Test
    void rejectsADockerHostConfigThatIsNoUrl() {
        var e = assertThrows(ConfigException.class, () -> DockerHosts.providerDefault(Optional.of("localhost:2375"), Map.of()));
        assertEquals("invalid pg-cluster config: docker:host = \"localhost:2375\" is not allowed: a Docker host URL: "
                + "unix://…, tcp://host:port, ssh://user@host or npipe://…", e.getMessage());
    }
}
