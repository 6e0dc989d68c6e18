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
        assertEquals("ssh://ops@db-host", DockerHosts.providerDefault(Optional.of("ssh://ops@db-host"),
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
        assertEquals("invalid pg-cluster config: docker:host = \"localhost:2375\" is not allowed: "
                + BadConfigValues.DOCKER_HOSTS_ALLOWED, e.getMessage());
    }

    /** The default provider would talk to it too: the same rule as for pg-cluster:dockerHost. */
    @Test
    void rejectsADockerHostConfigOfPlainTcpToAnotherMachine() {
        var e = assertThrows(ConfigException.class, () -> DockerHosts.providerDefault(Optional.of("tcp://db-host:2376"), Map.of()));
        assertEquals("invalid pg-cluster config: docker:host = \"tcp://db-host:2376\" is not allowed: "
                + BadConfigValues.DOCKER_HOSTS_ALLOWED, e.getMessage());
    }
}
