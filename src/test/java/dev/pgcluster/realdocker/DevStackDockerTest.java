package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.testing.TestConfigs;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import com.pulumi.automation.OperationType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The shipped dev stack (with test ports, subnet and image), brought up on the engine: replication,
 * the exported connection strings, security of the running cluster, idempotent steps, teardown.
 */
@RequiresDocker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DevStackDockerTest {
    private Map<String, String> values;
    private RealCluster cluster;

    @BeforeAll
    void up() {
        values = TestConfigs.shippedStack("dev");
        values.putAll(RealCluster.testConfig(Integer.parseInt(values.get("replicas"))));
        Instant start = Instant.now();
        cluster = RealCluster.up("dev", values);
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        System.out.printf("dev stack: %d replica(s) streaming %.1f s after start (program run %.1f s)%n",
                cluster.replicas().size(), Duration.between(start, Instant.now()).toMillis() / 1000.0,
                cluster.upTime().toMillis() / 1000.0);
    }

    @AfterAll
    void down() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private String replicationPassword() {
        // The conf step's stdin: the replication password, then (with TLS) the signing CA.
        return cluster.command(cluster.step("pg1", "conf")).input("stdin").orElseThrow().lines().toList().get(0);
    }

    private String superuserPassword() {
        // The seed step's stdin: the superuser password, then the replication role's verifier.
        return cluster.command(cluster.step("pg0", "seed")).input("stdin").orElseThrow().lines().toList().get(0);
    }

    private String appPassword() {
        String uri = cluster.output("primaryConnectionString");
        return uri.substring(uri.indexOf(':', "postgresql://".length()) + 1, uri.indexOf('@'));
    }

    @Test
    @Order(1)
    void everyReplicaStreamsWithItsOwnApplicationNameAndActiveSlot() {
        String rows = Docker.psql(cluster.primary(), "SELECT r.application_name || ':' || r.state || ':' || s.slot_name || ':' "
                + "|| s.active FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid ORDER BY 1");
        assertEquals("pg1:streaming:pg1:true", rows);
        for (String replica : cluster.replicas()) {
            assertEquals("t", Docker.psql(replica, "SELECT pg_is_in_recovery()"));
            // The readiness step ran the health check itself; Docker's own check follows within an interval.
            Docker.awaitHealthy(replica, Duration.ofSeconds(10));
        }
        assertEquals("f", Docker.psql(cluster.primary(), "SELECT pg_is_in_recovery()"));
    }

    @Test
    @Order(2)
    void rowsWrittenOnThePrimaryAppearOnEveryReplica() {
        String primary = Sql.jdbcFromUri(cluster.output("primaryConnectionString"));
        Sql.execute(primary, "CREATE TABLE IF NOT EXISTS smoke (id int PRIMARY KEY, note text)");
        Sql.execute(primary, "INSERT INTO smoke SELECT g, 'row ' || g FROM generate_series(1, 1000) g");
        for (String replica : cluster.replicas()) {
            Sql.awaitPsql(replica, "SELECT count(*) FROM smoke", "1000"::equals, Duration.ofSeconds(30));
        }
    }

    @Test
    @Order(3)
    void exportedJdbcUrlsWorkAsGivenAndTheReadOnlyOneLandsOnAStandby() {
        assertEquals("f", Sql.query(cluster.output("primaryJdbcUrl"), "SELECT pg_is_in_recovery()"));
        assertEquals("t", Sql.query(cluster.output("readOnlyJdbcUrl"), "SELECT pg_is_in_recovery()"));
        for (String uri : cluster.replicaConnectionStrings().values()) {
            assertEquals("t", Sql.query(Sql.jdbcFromUri(uri), "SELECT pg_is_in_recovery()"));
        }
    }

    /** libpq (PostgreSQL 17's, from the image) with the exported URIs, exactly as given. */
    @Test
    @Order(4)
    void exportedLibpqUrisWorkAsGiven() {
        String readOnly = Docker.ok(psqlOnTheHost(cluster.output("readOnlyConnectionString"), "SELECT pg_is_in_recovery()"));
        assertEquals("t", readOnly);
        String primary = Docker.ok(psqlOnTheHost(cluster.output("primaryConnectionString"), "SELECT pg_is_in_recovery()"));
        assertEquals("f", primary);
    }

    /** {@code docker run … psql URI -c SQL} on the host's network, trusting the stacks' CAs as a user does. */
    private static String[] psqlOnTheHost(String uri, String sql) {
        var args = new java.util.ArrayList<>(List.of("run", "--rm", "--network", "host", "--label", Docker.TEST_LABEL + "=1"));
        args.addAll(TestTrust.psqlArgs());
        args.addAll(List.of(TestImage.reference(), "psql", uri, "-XAtc", sql));
        return args.toArray(String[]::new);
    }

    @Test
    @Order(5)
    void replicationRoleIsNotSuperuserAndNoTrustOrMd5RulesExist() {
        assertEquals("false|true", Docker.psql(cluster.primary(),
                "SELECT rolsuper || '|' || rolreplication FROM pg_roles WHERE rolname = 'replicator'"));
        for (String node : List.of(cluster.primary(), cluster.replicas().get(0))) {
            assertEquals("0", Docker.psql(node,
                    "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method IN ('trust', 'md5', 'password')"));
            assertEquals("", Docker.psql(node, "SELECT coalesce(string_agg(error, ';'), '') FROM pg_hba_file_rules"));
        }
        assertEquals(cluster.config().subnet().cidr().replace("/24", "") + "|255.255.255.0|scram-sha-256",
                Docker.psql(cluster.primary(), "SELECT address || '|' || netmask || '|' || auth_method FROM pg_hba_file_rules "
                        + "WHERE 'replication' = ANY(database) AND auth_method <> 'reject'"));
    }

    /**
     * The exported strings log in as the application role: it can create tables (the dev stack's
     * database is postgres, pg-cluster's own: the superuser owns it, the application role may
     * create in schema public), and can do nothing a superuser or the replication role can. The
     * superuser does not log in over the network at all. The monitoring role has pg_monitor and
     * nothing else: it cannot read a user table.
     */
    @Test
    @Order(5)
    void exportedStringsLogInAsALeastPrivilegeApplicationRole() {
        String app = cluster.config().clientRoles().appUser();
        String jdbc = cluster.output("primaryJdbcUrl");
        assertEquals(app, Sql.query(jdbc, "SELECT current_user"));
        assertEquals(app, Sql.query(cluster.output("readOnlyJdbcUrl"), "SELECT current_user"));
        String asSuperuser = jdbc.replaceFirst("user=[^&]*", "user=postgres")
                .replaceFirst("password=[^&]*", "password=" + java.net.URLEncoder.encode(superuserPassword(), java.nio.charset.StandardCharsets.UTF_8));
        var superuser = assertThrows(IllegalStateException.class, () -> Sql.query(asSuperuser, "SELECT current_user"));
        assertTrue(superuser.getMessage().contains("pg_hba.conf rejects connection") && superuser.getMessage().contains("postgres"),
                superuser.getMessage());
        assertEquals("postgres", Docker.psql(cluster.primary(),
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"));
        assertEquals("false|false|false|false|false|true", Docker.psql(cluster.primary(), "SELECT rolsuper || '|' || rolcreaterole "
                + "|| '|' || rolcreatedb || '|' || rolreplication || '|' || rolbypassrls || '|' || rolcanlogin FROM pg_roles "
                + "WHERE rolname = '" + app + "'"));
        Sql.execute(jdbc, "CREATE TABLE IF NOT EXISTS owned_by_app (id int PRIMARY KEY)");
        assertEquals(app, Sql.query(jdbc, "SELECT tableowner FROM pg_tables WHERE tablename = 'owned_by_app'"));
        for (String forbidden : List.of("CREATE ROLE intruder", "SELECT rolpassword FROM pg_authid",
                "ALTER SYSTEM SET work_mem = '1GB'", "CREATE DATABASE other")) {
            var refused = assertThrows(IllegalStateException.class, () -> Sql.execute(jdbc, forbidden), forbidden);
            assertTrue(refused.getMessage().contains("permission denied") || refused.getMessage().contains("must be"),
                    forbidden + ": " + refused.getMessage());
        }
        // A replication login as the application role, from inside the cluster network: refused.
        var replication = Docker.run("run", "--rm", "--network", cluster.network(), "--label", Docker.TEST_LABEL + "=1",
                "-e", "PGPASSWORD=" + Sql.jdbcParameter(jdbc, "password"), TestImage.reference(), "psql",
                "host=pg0 user=" + app + " dbname=replication replication=true connect_timeout=5", "-XAtc", "IDENTIFY_SYSTEM");
        assertFalse(replication.ok(), "the application role must not replicate: " + replication.stdout());
        assertTrue(replication.stderr().contains("no pg_hba.conf entry for replication connection")
                || replication.stderr().contains("must have the REPLICATION attribute")
                || replication.stderr().contains("permission denied"), replication.stderr());

        String monitoring = cluster.config().clientRoles().monitoringUser();
        assertEquals("pg_monitor", Docker.psql(cluster.primary(), "SELECT string_agg(b.rolname, ',') FROM pg_auth_members m "
                + "JOIN pg_roles r ON r.oid = m.member JOIN pg_roles b ON b.oid = m.roleid WHERE r.rolname = '" + monitoring + "'"));
        assertEquals("false|false", Docker.psql(cluster.primary(), "SELECT has_table_privilege('" + monitoring + "', 'owned_by_app', 'SELECT')"
                + " || '|' || has_table_privilege('" + monitoring + "', 'smoke', 'SELECT')"));
    }

    /** From the cluster network a replication login works; from another network it is refused by pg_hba. */
    @Test
    @Order(6)
    void replicationIsRefusedFromOutsideTheClusterSubnet() {
        String password = replicationPassword();
        String probe = "printf '%s\\n' \"$(cat)\" > /tmp/pw; PGPASSWORD=$(cat /tmp/pw) psql "
                + "\"host=$TARGET user=replicator dbname=replication replication=true connect_timeout=5\" -XAtc IDENTIFY_SYSTEM";
        String inside = Docker.run(Duration.ofMinutes(1), Docker.utf8(password + "\n"), "run", "--rm", "-i",
                "--network", cluster.network(), "--label", Docker.TEST_LABEL + "=1", "-e", "TARGET=" + cluster.primary(),
                TestImage.reference(), "sh", "-c", probe).orThrow("replication login from the cluster network").stdout();
        assertTrue(inside.contains("|"), "IDENTIFY_SYSTEM answered from the cluster network: " + inside);

        String other = cluster.config().namePrefix() + "-outsider";
        Docker.ok("network", "create", "--label", Docker.TEST_LABEL + "=1", "--subnet", "10.202.77.0/24", other);
        try {
            Docker.ok("network", "connect", other, cluster.primary());
            String primaryIp = Docker.inspect(cluster.primary(), "{{(index .NetworkSettings.Networks \"" + other + "\").IPAddress}}");
            Shell.Result outside = Docker.run(Duration.ofMinutes(1), Docker.utf8(password + "\n"), "run", "--rm", "-i",
                    "--network", other, "--label", Docker.TEST_LABEL + "=1", "-e", "TARGET=" + primaryIp,
                    TestImage.reference(), "sh", "-c", probe);
            assertFalse(outside.ok(), "replication from another network must be refused");
            assertTrue(outside.stderr().contains("no pg_hba.conf entry for replication connection"), outside.stderr());
        } finally {
            Docker.run("network", "disconnect", "-f", other, cluster.primary());
            Docker.run("network", "rm", other);
        }
    }

    /** The published port arrives from the network gateway; replication from there is rejected. */
    @Test
    @Order(7)
    void replicationThroughThePublishedPortIsRejected() {
        Shell.Result viaHostPort = Docker.run(Duration.ofMinutes(1), Docker.utf8(replicationPassword() + "\n"), "run", "--rm", "-i",
                "--network", "host", "--label", Docker.TEST_LABEL + "=1", "-e", "PORT=" + cluster.config().primary().hostPort(),
                TestImage.reference(), "sh", "-c", "PGPASSWORD=$(cat) psql \"host=127.0.0.1 port=$PORT user=replicator "
                        + "dbname=replication replication=true connect_timeout=5\" -XAtc IDENTIFY_SYSTEM");
        assertFalse(viaHostPort.ok());
        assertTrue(viaHostPort.stderr().contains("rejects replication connection"), viaHostPort.stderr());
    }

    @Test
    @Order(8)
    void noPasswordInAnyContainersEnvironmentLabelsOrCommandLine() {
        List<String> passwords = List.of(superuserPassword(), replicationPassword(), appPassword());
        passwords.forEach(p -> assertTrue(p.length() >= 12));
        for (String container : Docker.lines(Docker.ok("ps", "-aq", "--filter", "label=pg-cluster.stack=" + cluster.config().stack()))) {
            String seen = Docker.inspect(container, "{{json .Config.Env}} {{json .Config.Labels}} {{json .Config.Cmd}} "
                    + "{{json .Args}} {{json .Path}} {{json .Config.Entrypoint}}");
            for (String password : passwords) {
                assertFalse(seen.contains(password), container + " shows a password in docker inspect");
            }
        }
    }

    @Test
    @Order(9)
    void runningTheSlotStepAgainIsANoOp() {
        var slot = cluster.command(cluster.step("pg1", "slot"));
        String before = Docker.psql(cluster.primary(), "SELECT slot_name || ':' || (restart_lsn IS NOT NULL) || ':' || active FROM pg_replication_slots");
        var again = Shell.script(slot.input("create").orElseThrow(), slot.environment(), null);
        assertEquals(0, again.exitCode(), again.stderr());
        assertEquals(before, Docker.psql(cluster.primary(),
                "SELECT slot_name || ':' || (restart_lsn IS NOT NULL) || ':' || active FROM pg_replication_slots"));
        assertEquals("pg1:true:true", before);
    }

    @Test
    @Order(10)
    void theBaseBackupStepRefusesAVolumeThatHoldsACluster() {
        String step = cluster.step("pg1", "seed");
        var backup = cluster.command(step);
        String stdin = backup.input("stdin").orElseThrow();
        String identity = Docker.psql(cluster.replicas().get(0), "SELECT system_identifier || ':' || pg_postmaster_start_time() "
                + "FROM pg_control_system()");
        var again = Shell.script(backup.input("create").orElseThrow(), backup.environment(), stdin);
        assertEquals(3, again.exitCode(), again.stderr());
        assertTrue(again.stderr().contains("already holds a cluster"), again.stderr());
        assertEquals(identity, Docker.psql(cluster.replicas().get(0), "SELECT system_identifier || ':' || "
                + "pg_postmaster_start_time() FROM pg_control_system()"), "the replica was not touched");
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(10));

        var env = new java.util.HashMap<>(backup.environment());
        String label = backup.outputs().get("stdout").getAsString();
        env.put("PULUMI_COMMAND_STDOUT", label);
        var update = Shell.script(backup.input("update").orElseThrow(), env, stdin);
        assertEquals(0, update.exitCode(), update.stderr());
        assertEquals(label, update.stdout().strip(), "the update names the same backup, so the replica stays");
    }

    @Test
    @Order(0)
    void aSecondRunChangesNothing() {
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * README, "A stopped node": `docker stop` of the primary, then `pulumi refresh` and `pulumi up`:
     * the stack keeps the node, stopped; `up` refuses (no node accepts writes) and says how to go
     * on, before anything is declared, so nothing is created and no second primary appears;
     * `docker start` brings it back and the stack matches again.
     */
    @Test
    @Order(11)
    void aStoppedPrimaryStaysInTheStackAndIsNeverRecreated() {
        String primaryId = Docker.inspect(cluster.primary(), "{{.Id}}");
        Docker.ok("stop", cluster.primary());
        var refresh = cluster.stack().refresh();
        var inState = cluster.stack().resource("docker:index/container:Container", cluster.primary());
        assertEquals(primaryId, inState.id(), "refresh keeps the stopped primary in state: " + refresh.changed());
        // What the official docker provider 4.5.1 records for a stopped container's ports (ours keeps
        // them): the preview after `docker start` below must still find nothing to do.
        cluster.stack().setInState("docker:index/container:Container", cluster.primary(), "ports",
                new com.google.gson.JsonArray());
        var before = cluster.stack().state().stream().map(r -> r.urn() + "=" + r.id()).toList();
        var refused = assertThrows(EngineStack.EngineFailure.class, () -> cluster.stack().up());
        assertTrue(refused.getMessage().contains("no node accepts writes: the configured primary pg0 is exited")
                && refused.getMessage().contains("docker start " + cluster.primary())
                && refused.getMessage().contains("pulumi config set pg-cluster:primary"), refused.getMessage());
        assertFalse(refused.getMessage().contains("unhandled exception") || refused.getMessage().contains("\tat dev.pgcluster."),
                "the refusal is the error, without a Java stack trace: " + refused.getMessage());
        assertEquals(before, cluster.stack().state().stream().map(r -> r.urn() + "=" + r.id()).toList(),
                "nothing is changed");
        assertEquals("exited", Docker.inspect(cluster.primary(), "{{.State.Status}}"), "it stays stopped");
        assertEquals(primaryId, Docker.inspect(cluster.primary(), "{{.Id}}"));
        assertEquals(1, Docker.lines(Docker.ok("ps", "-aq", "--filter", "label=pg-cluster.stack=" + cluster.config().stack(),
                "--filter", "label=pg-cluster.node=pg0")).size(), "no second pg0 container");

        Docker.ok("start", cluster.primary());
        Docker.awaitHealthy(cluster.primary(), Duration.ofSeconds(60));
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        cluster.stack().preview(true);
    }

    /**
     * README, "A stopped node", with the official docker provider 4.5.1: its Terraform provider
     * (v3.0.2) reads a stopped container's ports back empty on `pulumi refresh`, and ports force a
     * new container; ours keeps them, so the test writes into state what 4.5.1 records. Neither
     * preview nor up replaces anything, the standby stays stopped, and once started the stack
     * matches again.
     */
    @Test
    @Order(11)
    void aStoppedStandbyIsNeverReplacedAfterARefreshWhateverItsPortsReadBack() {
        String standby = cluster.replicas().get(0);
        String id = Docker.inspect(standby, "{{.Id}}");
        String published = Docker.inspect(standby, "{{json .HostConfig.PortBindings}}");
        Docker.ok("stop", standby);
        cluster.stack().refresh();
        cluster.stack().setInState("docker:index/container:Container", standby, "ports", new com.google.gson.JsonArray());
        var preview = cluster.stack().preview(false);
        assertEquals(List.of(), preview.steps().stream().filter(s -> EngineStack.REPLACING.contains(s.op())).toList(),
                "no replacement planned:\n" + preview.stdout());
        assertEquals(List.of(), preview.changed().stream().filter(s -> s.type().equals("docker:index/container:Container"))
                .toList(), "no container changes");
        var up = cluster.stack().up();
        assertEquals(List.of(), up.steps().stream().filter(s -> EngineStack.REPLACING.contains(s.op())).toList(),
                "nothing replaced:\n" + up.stdout());
        assertEquals("exited", Docker.inspect(standby, "{{.State.Status}}"), "it stays stopped");
        assertEquals(id, Docker.inspect(standby, "{{.Id}}"));

        Docker.ok("start", standby);
        Docker.awaitHealthy(standby, Duration.ofSeconds(60));
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        assertEquals(published, Docker.inspect(standby, "{{json .HostConfig.PortBindings}}"));
        cluster.stack().preview(true);
    }

    @Test
    @Order(12)
    void destroyDropsSlotsWhilePrimaryRunsAndLeavesNothingBehind() {
        String stack = cluster.config().stack();
        cluster.destroy();
        var destroy = cluster.lastDestroy();
        List<String> log = destroy.steps(OperationType.DELETE).stream().map(s -> s.type() + " " + s.name()).toList();
        int slotDeleted = log.indexOf("command:local:Command " + cluster.step("pg1", "slot"));
        int replicaDeleted = log.indexOf("docker:index/container:Container " + cluster.replicas().get(0));
        int primaryDeleted = log.indexOf("docker:index/container:Container " + cluster.primary());
        assertTrue(replicaDeleted >= 0 && replicaDeleted < slotDeleted && slotDeleted < primaryDeleted,
                "teardown order: replica, then its slot, then the primary: " + log);
        assertTrue(log.indexOf("docker:index/network:Network " + cluster.network()) > primaryDeleted);
        assertTrue(destroy.stdout().contains("dropped replication slot pg1 on " + cluster.primary()),
                "the slot step's delete dropped the slot on the running primary:\n" + destroy.stdout());
        assertNothingLeft(stack);

        // Up again works, from scratch.
        try (var again = RealCluster.up("dev", values)) {
            ClusterChecks.awaitAllStreaming(again, Duration.ofSeconds(60));
            assertEquals("0", Docker.psql(again.primary(), "SELECT count(*) FROM pg_tables WHERE tablename = 'smoke'"));
        }
        assertNothingLeft(stack);
    }

    static void assertNothingLeft(String stack) {
        String filter = "label=pg-cluster.stack=" + stack;
        assertEquals("", Docker.ok("ps", "-aq", "--filter", filter));
        assertEquals("", Docker.ok("volume", "ls", "-q", "--filter", filter));
        assertEquals("", Docker.ok("network", "ls", "-q", "--filter", filter));
    }

    /**
     * README, "Security defaults": every node runs with Docker's capabilities dropped but the five
     * its entrypoint and health check need, no-new-privileges, a read-only root filesystem and
     * bounded in-memory /tmp and socket directory; the server runs (writes, streams, passes its
     * health check) while nothing, root included, can write to the image's files.
     */
    @Test
    @Order(10)
    void nodeContainersRunHardened() {
        Sql.execute(Sql.jdbcFromUri(cluster.output("primaryConnectionString")),
                "CREATE TABLE IF NOT EXISTS hardened (id int PRIMARY KEY); INSERT INTO hardened VALUES (1) ON CONFLICT DO NOTHING");
        var nodes = new java.util.ArrayList<String>(List.of(cluster.primary()));
        nodes.addAll(cluster.replicas());
        for (String node : nodes) {
            assertEquals("[\"ALL\"]", Docker.inspect(node, "{{json .HostConfig.CapDrop}}"), node);
            assertEquals(List.of("CAP_CHOWN", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_SETGID", "CAP_SETUID"),
                    Docker.lines(Docker.inspect(node, "{{range .HostConfig.CapAdd}}{{println .}}{{end}}")).stream().sorted().toList(), node);
            assertEquals("[\"no-new-privileges:true\"]", Docker.inspect(node, "{{json .HostConfig.SecurityOpt}}"), node);
            assertEquals("true", Docker.inspect(node, "{{.HostConfig.ReadonlyRootfs}}"), node);
            assertEquals("/tmp=rw,noexec,nosuid,nodev,size=64m /var/run/postgresql=rw,noexec,nosuid,nodev,size=1m",
                    Docker.inspect(node, "{{range $path, $options := .HostConfig.Tmpfs}}{{$path}}={{$options}} {{end}}").strip(), node);
            // What the kernel applies: the postmaster (pid 1, user postgres) has no capability left,
            // its bounding set is the five (bits 0, 2, 3, 6, 7), and it cannot gain privileges.
            String status = Docker.ok("exec", node, "grep", "-E", "^(CapEff|CapBnd|NoNewPrivs):", "/proc/1/status");
            assertTrue(status.contains("CapEff:\t0000000000000000"), node + ": " + status);
            assertTrue(status.contains("CapBnd:\t00000000000000cd"), node + ": " + status);
            assertTrue(status.contains("NoNewPrivs:\t1"), node + ": " + status);
            assertEquals("tmpfs", Docker.ok("exec", node, "stat", "-f", "-c", "%T", "/tmp"), node);
            assertEquals("postgres tmpfs", Docker.ok("exec", node, "sh", "-c",
                    "stat -c %U /var/run/postgresql; stat -f -c %T /var/run/postgresql").replace('\n', ' '), node);
            for (String user : List.of("root", "postgres")) {
                var write = Docker.run("exec", "-u", user, node, "touch", "/pg-cluster-write-test");
                assertTrue(!write.ok() && write.stderr().contains("Read-only file system"),
                        node + ": " + user + " wrote to the root filesystem: " + write);
            }
            assertEquals("1", Docker.psql(node, "SELECT count(*) FROM hardened"), node);
            Docker.awaitHealthy(node, Duration.ofSeconds(10));
        }
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(30));
    }

    /**
     * TLS 1.2 is refused (1.3 is the minimum), and every connection is logged with who, to which
     * database, from where and with which application.
     */
    @Test
    @Order(10)
    void theServerRefusesTls12AndLogsEveryConnection() {
        String tls12 = Docker.run("exec", cluster.primary(), "sh", "-c", "openssl s_client -starttls postgres -tls1_2 "
                + "-connect 127.0.0.1:5432 </dev/null 2>&1; echo exit=$?").stdout();
        assertTrue(tls12.contains("exit=1") && tls12.contains("alert protocol version") && tls12.contains("Cipher is (NONE)"),
                "TLS 1.2 was not refused: " + tls12);
        String tls13 = Docker.run("exec", cluster.primary(), "sh", "-c", "openssl s_client -starttls postgres -tls1_3 "
                + "-connect 127.0.0.1:5432 </dev/null 2>&1").stdout();
        assertTrue(tls13.contains("TLSv1.3"), tls13);

        String app = "hardening-check-" + System.nanoTime();
        Docker.run("exec", "-u", "postgres", "-e", "PGAPPNAME=" + app, cluster.primary(), "psql", "-XAtc",
                "SELECT 1/0");
        var log = Docker.run("logs", "--since", "2m", cluster.primary());
        String logs = log.stdout() + log.stderr();
        // The application name is known from the session's first statement on; the connection
        // line itself names it in its message.
        assertTrue(logs.lines().anyMatch(line -> line.contains("postgres@postgres from [local] ")
                        && line.contains("connection authorized: user=postgres database=postgres application_name=" + app)),
                "no connection line with user, database, client and application:\n" + logs);
        assertTrue(logs.lines().anyMatch(line -> line.contains("postgres@postgres from [local] app=" + app + " ERROR:  division by zero")),
                "no session line with its application:\n" + logs);
    }
}
