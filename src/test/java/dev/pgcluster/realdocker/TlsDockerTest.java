package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pulumi.automation.OperationType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * TLS on a running cluster (a primary and two standbys) through the real engine: what is encrypted,
 * what is refused, what a client checks, where the keys are (and are not), and both rotations
 * under a steady writer, with every WAL stream kept.
 */
@RequiresDocker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsDockerTest {
    private static final String CONF = "/var/lib/postgresql/data/conf";

    private RealCluster cluster;
    private Path work;

    @BeforeAll
    void up() throws IOException {
        work = Files.createTempDirectory("pg-cluster-tls-test");
        cluster = RealCluster.up("tls", RealCluster.testConfig(2));
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
    }

    @AfterAll
    void down() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private List<String> nodes() {
        return List.of("pg0", "pg1", "pg2");
    }

    /** The SHA-256 fingerprint of the certificate the node serves now, read over TLS from inside it. */
    private String served(String node) {
        return Docker.ok("exec", cluster.container(node), "sh", "-c", "openssl s_client -starttls postgres "
                + "-connect 127.0.0.1:5432 </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 -issuer");
    }

    private Map<String, String> servedByEveryNode() {
        var served = new LinkedHashMap<String, String>();
        nodes().forEach(node -> served.put(node, served(node)));
        return served;
    }

    /** Each walsender's pid and state: the same pids mean no replication connection was dropped. */
    private String walSenders() {
        return Docker.psql(cluster.primary(), "SELECT string_agg(application_name || ':' || pid || ':' || state, ',' "
                + "ORDER BY application_name) FROM pg_stat_replication");
    }

    private Path file(String name, String text) {
        try {
            return Files.writeString(work.resolve(name), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The primary's JDBC URL checking the server against {@code caFile} only. */
    private String primaryJdbcTrusting(Path caFile) {
        return cluster.stack().outputs().get("primaryJdbcUrl") + "&sslrootcert=" + caFile;
    }

    private String caCertificate() {
        return String.valueOf(cluster.stack().outputs().get("caCertificate"));
    }

    @Test
    @Order(1)
    void everyWalStreamAndEveryClientConnectionIsEncrypted() {
        String senders = Docker.psql(cluster.primary(), "SELECT count(*) || '|' || count(*) FILTER (WHERE s.ssl) || '|' "
                + "|| string_agg(DISTINCT s.version, ',') FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)");
        System.out.println("tls: walsenders (count|encrypted|protocol): " + senders);
        assertEquals("2|2|TLSv1.3", senders);
        String sql = "SELECT ssl || '|' || version || '|' || cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
        String primary = Sql.query(cluster.output("primaryJdbcUrl"), sql);
        String replica = Sql.query(cluster.output("readOnlyJdbcUrl"), sql);
        System.out.println("tls: JDBC to the primary: " + primary + "; to a standby: " + replica);
        assertTrue(primary.startsWith("true|TLSv1.3|"), primary);
        assertTrue(replica.startsWith("true|TLSv1.3|"), replica);
        assertEquals("t", Sql.query(cluster.output("readOnlyJdbcUrl"), "SELECT pg_is_in_recovery()"));
        // The key and the CA certificates on every volume, owned by the server's user, readable by it only.
        for (String node : nodes()) {
            assertEquals("600 postgres|600 postgres|600 postgres", Docker.ok("exec", cluster.container(node), "sh", "-c",
                    "for f in server.key server.crt pg_hba.conf; do stat -c '%a %U' " + CONF + "/$f; done | paste -sd '|'"), node);
        }
    }

    @Test
    @Order(2)
    void loginsAndReplicationWithoutTlsAreRefused() {
        String plain = cluster.output("primaryJdbcUrl").replace("sslmode=verify-full", "sslmode=disable");
        var refused = assertThrows(IllegalStateException.class, () -> Sql.query(plain, "SELECT 1"));
        // The hostnossl reject line: refused before any password is asked for.
        assertTrue(refused.getMessage().contains("pg_hba.conf rejects connection") && refused.getMessage().contains("no encryption"),
                refused.getMessage());

        // The conf step's stdin: the replication password, then the signing CA.
        String password = cluster.command(cluster.step("pg1", "conf")).input("stdin").orElseThrow().lines().toList().get(0);
        String probe = "PGPASSWORD=$(cat) psql \"host=pg0 user=replicator dbname=replication replication=true "
                + "connect_timeout=5 $MODE\" -XAtc IDENTIFY_SYSTEM";
        Shell.Result withoutTls = replicationLogin(password, probe, "sslmode=disable");
        assertFalse(withoutTls.ok(), "replication without TLS must be refused: " + withoutTls.stdout());
        assertTrue(withoutTls.stderr().contains("pg_hba.conf rejects replication connection")
                && withoutTls.stderr().contains("no encryption"), withoutTls.stderr());
        Shell.Result checked = replicationLogin(password, probe, "sslmode=verify-full sslrootcert=/etc/pg-cluster-test/root.crt");
        assertTrue(checked.ok() && checked.stdout().contains("|"), "replication over TLS, checked: " + checked.stderr());
    }

    private Shell.Result replicationLogin(String password, String probe, String mode) {
        var args = new ArrayList<>(List.of("run", "--rm", "-i", "--network", cluster.network(),
                "--label", Docker.TEST_LABEL + "=1", "-e", "MODE=" + mode));
        args.addAll(TestTrust.psqlArgs());
        args.addAll(List.of(TestImage.reference(), "sh", "-c", probe));
        return Docker.run(Duration.ofMinutes(1), Docker.utf8(password + "\n"), args.toArray(String[]::new));
    }

    @Test
    @Order(3)
    void verifyFullChecksTheCaAndTheHostName() {
        int port = cluster.config().primary().hostPort();
        String user = cluster.config().clientRoles().appUser();
        String password = Sql.jdbcParameter(cluster.output("primaryJdbcUrl"), "password");
        for (String host : List.of("host=127.0.0.1", "host=localhost")) {
            Shell.Result ok = libpq(password, host + " port=" + port + " user=" + user + " dbname=postgres sslmode=verify-full");
            assertTrue(ok.ok(), host + ": " + ok.stderr());
        }
        Shell.Result wrongName = libpq(password, "host=db.example.com hostaddr=127.0.0.1 port=" + port + " user=" + user
                + " dbname=postgres sslmode=verify-full");
        assertFalse(wrongName.ok());
        assertTrue(wrongName.stderr().contains("does not match host name \"db.example.com\""), wrongName.stderr());

        String foreign = Docker.ok("run", "--rm", "--network", "none", "--label", Docker.TEST_LABEL + "=1", TestImage.reference(),
                "sh", "-c", "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null "
                        + "-subj /CN=another-ca -days 1 2>/dev/null");
        var untrusted = assertThrows(IllegalStateException.class,
                () -> Sql.query(primaryJdbcTrusting(file("foreign-ca.crt", foreign)), "SELECT 1"));
        assertTrue(untrusted.getMessage().contains("PKIX path") || untrusted.getMessage().contains("certificate"),
                untrusted.getMessage());
    }

    private Shell.Result libpq(String password, String conninfo) {
        var args = new ArrayList<>(List.of("run", "--rm", "-i", "--network", "host", "--label", Docker.TEST_LABEL + "=1",
                "-e", "CONNINFO=" + conninfo));
        args.addAll(TestTrust.psqlArgs());
        args.addAll(List.of(TestImage.reference(), "sh", "-c", "PGPASSWORD=$(cat) psql \"$CONNINFO connect_timeout=5\" -XAtc 'SELECT 1'"));
        return Docker.run(Duration.ofMinutes(1), Docker.utf8(password + "\n"), args.toArray(String[]::new));
    }

    /** Private keys live on the volumes (the nodes') and in state as secrets (the CA's): nowhere else. */
    @Test
    @Order(4)
    void noPrivateKeyIsInAnyArgvEnvironmentLabelProcessListOrPlainOutput() {
        var secrets = new ArrayList<String>();
        for (String node : nodes()) {
            secrets.add(keyBody(Docker.ok("exec", cluster.container(node), "cat", CONF + "/server.key")));
        }
        String ca = cluster.command(cluster.config().namePrefix() + "-tls-ca-1").outputs().get("stdout").getAsString();
        secrets.add(keyBody(ca));
        secrets.forEach(s -> assertTrue(s.length() > 60, "a key body was read: " + s));

        for (String container : Docker.lines(Docker.ok("ps", "-aq", "--filter", "label=pg-cluster.stack=" + cluster.config().stack()))) {
            String seen = Docker.inspect(container, "{{json .Config.Env}} {{json .Config.Labels}} {{json .Config.Cmd}} "
                    + "{{json .Args}} {{json .Path}} {{json .Config.Entrypoint}}")
                    + Docker.ok("exec", container, "sh", "-c", "ps -eo args; cat /proc/[0-9]*/environ | tr '\\0' '\\n'");
            for (String secret : secrets) {
                assertFalse(seen.contains(secret), container + " shows a private key");
            }
        }
        String plain = cluster.stack().withoutSecrets();
        assertTrue(plain.contains("BEGIN CERTIFICATE"), "the CA certificate is a plain output");
        for (String secret : secrets) {
            assertFalse(plain.contains(secret), "a private key in the plain outputs or the state");
        }
    }

    /** The first base64 line of a PEM private key: enough to recognise the key anywhere. */
    private static String keyBody(String pem) {
        String body = pem.substring(pem.indexOf("-----BEGIN PRIVATE KEY-----") + "-----BEGIN PRIVATE KEY-----".length(),
                pem.indexOf("-----END PRIVATE KEY-----"));
        return body.strip().lines().findFirst().orElseThrow();
    }

    @Test
    @Order(5)
    void newNodeCertificatesReachEveryNodeWithoutARestartOrADroppedStream() {
        Map<String, String> before = servedByEveryNode();
        String senders = walSenders();
        String primaryStarted = Docker.inspect(cluster.primary(), "{{.State.StartedAt}}");
        List<Long> acknowledged;
        try (var writer = new SteadyWriter(cluster.output("primaryJdbcUrl"))) {
            writer.awaitProgress(30, Duration.ofSeconds(30));
            cluster.stack().setConfig(Map.of("tlsCertificateGeneration", "2"));
            var run = cluster.stack().up();
            nodes().forEach(node -> assertTrue(run.changed().stream().anyMatch(s -> s.name().equals(cluster.step(node, "conf"))),
                    node + "'s conf step ran: " + run.changed()));
            run.changed().forEach(s -> assertFalse(EngineStack.REPLACING.contains(s.op()) && s.type().startsWith("docker:"),
                    "no Docker object is replaced for new certificates: " + run.changed()));
            writer.awaitProgress(30, Duration.ofSeconds(30));
            writer.close();
            acknowledged = writer.acknowledged();
        }
        Map<String, String> after = servedByEveryNode();
        for (String node : nodes()) {
            assertNotEquals(before.get(node), after.get(node), node + " serves its new certificate");
            assertEquals(issuer(before.get(node)), issuer(after.get(node)), node + ": the same CA signs it");
        }
        assertEquals(senders, walSenders(), "every WAL stream kept its connection");
        assertEquals(primaryStarted, Docker.inspect(cluster.primary(), "{{.State.StartedAt}}"), "the primary did not restart");
        assertEquals("t", Sql.query(cluster.output("primaryJdbcUrl"), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"));
        ClusterChecks.assertNoAcknowledgedCommitLost(cluster, acknowledged,
                nodes().stream().map(cluster::container).toList());
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    private static String issuer(String served) {
        return served.lines().filter(l -> l.startsWith("issuer=")).findFirst().orElseThrow(() -> new AssertionError(served));
    }

    /**
     * README, "Rotating the CA": trust the new CA (clients fetch it), let it sign, drop the old one.
     * A client that holds only the old CA keeps working until the second step; one with the
     * bundle works throughout; no standby drops its stream, and one restarted at the end checks
     * the primary against the new CA.
     */
    @Test
    @Order(6)
    void theCaRotatesInThreeStepsWithoutBreakingAStreamOrAClientThatFollowed() {
        Path oldCaOnly = file("ca-1.crt", caCertificate());
        assertEquals(1, TestTrust.certificates(caCertificate()).size());
        String senders = walSenders();
        List<Long> acknowledged;
        try (var writer = new SteadyWriter(cluster.output("primaryJdbcUrl"))) {
            writer.awaitProgress(30, Duration.ofSeconds(30));

            // 1. Trust the new CA too: the nodes' certificates stay as they are.
            Map<String, String> before = servedByEveryNode();
            cluster.stack().setConfig(Map.of("tlsTrustedCaGenerations", "[1, 2]"));
            cluster.stack().up();
            Path bundle = file("bundle.crt", caCertificate());
            assertEquals(2, TestTrust.certificates(caCertificate()).size(), "both CAs are trusted");
            assertEquals(before, servedByEveryNode(), "no node changed its certificate yet");
            assertEquals("1", Sql.query(primaryJdbcTrusting(oldCaOnly), "SELECT 1"), "a client with the old CA still works");

            // 2. The new CA signs: every node gets a certificate from it.
            cluster.stack().setConfig(Map.of("tlsCaGeneration", "2"));
            cluster.stack().up();
            Map<String, String> signedByNew = servedByEveryNode();
            for (String node : nodes()) {
                assertTrue(issuer(signedByNew.get(node)).contains("CA 2"), node + ": " + signedByNew.get(node));
            }
            var stale = assertThrows(IllegalStateException.class, () -> Sql.query(primaryJdbcTrusting(oldCaOnly), "SELECT 1"));
            assertTrue(stale.getMessage().contains("PKIX path") || stale.getMessage().contains("certificate"), stale.getMessage());
            assertEquals("1", Sql.query(primaryJdbcTrusting(bundle), "SELECT 1"), "a client with the bundle works");

            // 3. Drop the old CA.
            cluster.stack().setConfig(Map.of("tlsTrustedCaGenerations", "[2]"));
            var run = cluster.stack().up();
            assertTrue(run.steps().stream().anyMatch(s -> s.op() == OperationType.DELETE
                    && s.name().equals(cluster.config().namePrefix() + "-tls-ca-1")), "the old CA goes: " + run.changed());
            List<String> left = TestTrust.certificates(caCertificate());
            assertEquals(1, left.size());
            assertTrue(Files.readString(bundle).contains(left.get(0)), "the one left is the new CA");
            assertEquals(signedByNew, servedByEveryNode(), "the certificates stay");
            assertEquals("1", Sql.query(primaryJdbcTrusting(file("ca-2.crt", caCertificate())), "SELECT 1"));

            writer.awaitProgress(30, Duration.ofSeconds(30));
            writer.close();
            acknowledged = writer.acknowledged();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertEquals(senders, walSenders(), "every WAL stream kept its connection through the rotation");
        // A standby that connects anew checks the primary against the CA it holds now.
        Docker.ok("restart", cluster.container("pg2"));
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        ClusterChecks.assertNoAcknowledgedCommitLost(cluster, acknowledged,
                nodes().stream().map(cluster::container).toList());
        ClusterChecks.assertIdempotent(cluster.stack());
    }
}
