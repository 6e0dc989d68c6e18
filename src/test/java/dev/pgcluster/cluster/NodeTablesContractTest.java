package dev.pgcluster.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.testing.TestConfigs;
import dev.pgcluster.testing.TestHosts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node tables are the program's (Placement.nodeDockerTable, nodeEndpointTable); init/lib/common.sh
 * reads them (pgc_on, pgc_peer_host, pgc_peer_port). Run in a real shell, the scripts must find
 * what the program declared: each node's Docker host with its TLS files, and where its server is.
 */
class NodeTablesContractTest {
    /** What a docker CLI started here would use: its host and TLS settings, "-" for a variable that is not set. */
    private static final String SHOW_DOCKER_ENVIRONMENT =
            "echo \"${DOCKER_HOST-}|${DOCKER_CERT_PATH--}|${DOCKER_TLS_VERIFY--}\"";
    /** The same, as a program that pgc_on runs. */
    private static final String DOCKER_ENVIRONMENT = "sh -c '" + SHOW_DOCKER_ENVIRONMENT + "'";

    @TempDir
    Path certs;

    /** pg0 on h1 and pg1 on h2 over TLS, pg2 on h3 over ssh:// (no client files). */
    private ClusterConfig twoTlsHostsAndAnSshHost() {
        var hosts = new LinkedHashMap<String, Object>();
        hosts.put("h1", TestHosts.tlsHost(TestHosts.H1_ENDPOINT, TestHosts.certDirectory(certs, "h1")));
        hosts.put("h2", TestHosts.tlsHost(TestHosts.H2_ENDPOINT, TestHosts.certDirectory(certs, "h2")));
        hosts.put("h3", Map.of("endpoint", "ssh://deploy@10.0.0.13"));
        return TestConfigs.read("dev", TestHosts.withHosts(hosts, Map.of("pg0", "h1", "pg1", "h2", "pg2", "h3")));
    }

    /** The environment a step of {@code config} gets for its node tables (none on one host). */
    private static Map<String, String> tables(ClusterConfig config) {
        var env = new LinkedHashMap<String, String>();
        Placement.nodeDockerTable(config).ifPresent(t -> env.put("PGC_NODE_DOCKER", t));
        Placement.nodeEndpointTable(config).ifPresent(t -> env.put("PGC_NODE_ENDPOINTS", t));
        assertEquals(Placement.nodeTables(config), env);
        return env;
    }

    /** Runs {@code commands} after init/lib/common.sh and init/lib/hosts.sh, as a step does, in {@code environment} alone (and PATH). */
    private static List<String> sh(Map<String, String> environment, String commands) throws IOException, InterruptedException {
        var builder = new ProcessBuilder("sh", "-c", InitScripts.read(InitScripts.HOSTS) + "\n" + commands)
                .redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> !name.equals("PATH"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "sh did not end: " + out);
        assertEquals(0, process.exitValue(), out);
        return out.lines().toList();
    }

    @Test
    void theTablesNameEveryNodesHostFilesAddressAndPort() {
        ClusterConfig config = twoTlsHostsAndAnSshHost();
        assertEquals("pg0 " + TestHosts.H1_ENDPOINT + " " + certs.resolve("h1") + "\n"
                + "pg1 " + TestHosts.H2_ENDPOINT + " " + certs.resolve("h2") + "\n"
                + "pg2 ssh://deploy@10.0.0.13 -", tables(config).get("PGC_NODE_DOCKER"));
        assertEquals("pg0 10.0.0.11 6000\npg1 10.0.0.12 6001\npg2 10.0.0.13 6002", tables(config).get("PGC_NODE_ENDPOINTS"));
    }

    /** Every node: pgc_on reaches the engine with the settings the program gives that host's own steps. */
    @Test
    void pgcOnAndThePeerFunctionsFindWhatTheProgramDeclared() throws Exception {
        ClusterConfig config = twoTlsHostsAndAnSshHost();
        var commands = new StringBuilder();
        var expected = new ArrayList<String>();
        for (String node : config.nodeNames()) {
            commands.append("pgc_on ").append(node).append(" ").append(DOCKER_ENVIRONMENT).append("\n")
                    .append("pgc_peer_host ").append(node).append("\n")
                    .append("pgc_peer_port ").append(node).append("\n");
            Map<String, String> declared = Placement.cliEnvironment(config.hostOf(config.node(node)));
            // The program gives an ssh:// host's steps both TLS variables empty; pgc_on unsets them: to the CLI both are unset.
            expected.add(declared.get("DOCKER_HOST") + "|" + orUnset(declared.get("DOCKER_CERT_PATH")) + "|"
                    + orUnset(declared.get("DOCKER_TLS_VERIFY")));
            expected.add(config.peerHost(node));
            expected.add(String.valueOf(config.peerPort(node)));
        }
        List<String> printed = sh(tables(config), commands.toString());
        assertEquals(expected, printed);
        assertEquals(List.of(
                TestHosts.H1_ENDPOINT + "|" + certs.resolve("h1") + "|1", "10.0.0.11", "6000",
                TestHosts.H2_ENDPOINT + "|" + certs.resolve("h2") + "|1", "10.0.0.12", "6001",
                "ssh://deploy@10.0.0.13|-|-", "10.0.0.13", "6002"), printed);
    }

    private static String orUnset(String value) {
        return value.isEmpty() ? "-" : value;
    }

    /** A caller's TLS settings never reach an ssh:// host's CLI, and pgc_on changes nothing outside its subshell. */
    @Test
    void pgcOnToAHostWithoutClientFilesUnsetsTheCallersTlsSettings() throws Exception {
        var environment = new LinkedHashMap<>(tables(twoTlsHostsAndAnSshHost()));
        environment.put("DOCKER_HOST", "unix:///caller.sock");
        environment.put("DOCKER_CERT_PATH", "/caller/certs");
        environment.put("DOCKER_TLS_VERIFY", "1");
        assertEquals(List.of("ssh://deploy@10.0.0.13|-|-", "unix:///caller.sock|/caller/certs|1"),
                sh(environment, "pgc_on pg2 " + DOCKER_ENVIRONMENT + "\n" + SHOW_DOCKER_ENVIRONMENT + "\n"));
    }

    @Test
    void pgcOnRefusesANodeTheTablesDoNotName() throws Exception {
        assertEquals(List.of("pg-cluster: no Docker host is known for node pg7", "status 2"),
                sh(tables(twoTlsHostsAndAnSshHost()), "pgc_on pg7 true && echo ran || echo \"status $?\""));
    }

    /** On one host there are no tables: steps keep their own DOCKER_HOST and reach nodes by container name. */
    @Test
    void withoutTablesNodesAreOnTheStepsHostAndReachedByContainerName() throws Exception {
        ClusterConfig config = TestConfigs.config("dev", "replicas", "2");
        assertEquals(Map.of(), tables(config));
        var environment = Map.of("PGC_NAME_PREFIX", config.namePrefix(), "DOCKER_HOST", "ssh://ops@db-host");
        assertEquals(List.of("ssh://ops@db-host|-|-", config.peerHost("pg2"), String.valueOf(config.peerPort("pg2"))),
                sh(environment, "pgc_on pg1 " + DOCKER_ENVIRONMENT + "\npgc_peer_host pg2\npgc_peer_port pg2\n"));
        assertEquals(List.of("pg-cluster-dev-pg2", "5432"), List.of(config.peerHost("pg2"),
                String.valueOf(config.peerPort("pg2"))));
    }
    /**
     * pgc_container_state, through pgc_on: "missing" only when the node's host says there is no
     * such container; a host that does not answer (or refuses TLS) is "unknown", never "missing" (a
     * step that took it for gone would record as done what it never did there). A docker CLI
     * stand-in on PATH answers by DOCKER_HOST: h1 has the container (and warns on stderr, as the CLI
     * does about a config file it cannot read: not part of the state), h2 has none, h3 does not answer.
     */
    @Test
    void aContainerOnAHostThatDoesNotAnswerIsUnknownNeverMissing(@TempDir Path bin) throws Exception {
        Path docker = bin.resolve("docker");
        java.nio.file.Files.writeString(docker, """
                #!/bin/sh
                case "$DOCKER_HOST" in
                    *10.0.0.11*) echo "WARNING: Error loading config file: /root/.docker/config.json" >&2; echo running ;;
                    *10.0.0.12*) echo "Error response from daemon: No such container: $5" >&2; exit 1 ;;
                    *) echo "Cannot connect to the Docker daemon at $DOCKER_HOST. Is the docker daemon running?" >&2; exit 1 ;;
                esac
                """);
        assertTrue(docker.toFile().setExecutable(true));
        var environment = new LinkedHashMap<>(tables(twoTlsHostsAndAnSshHost()));
        environment.put("PATH", bin + ":" + System.getenv("PATH"));
        // As the steps call it: under set -eu, its answer assigned outside any condition.
        var builder = new ProcessBuilder("sh", "-c", "set -eu\n" + InitScripts.read(InitScripts.HOSTS) + "\n"
                + "for n in pg0 pg1 pg2; do state=$(pgc_on $n pgc_container_state pg-cluster-dev-$n); echo \"$state\"; done")
                .redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> !name.equals("PATH"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(List.of("running", "missing", "unknown"), out.lines().toList());
    }
}
