package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The documented contract of the official postgres image, which the program relies on, checked
 * on the image under test (ours from src/test/image, or the official one via PG_CLUSTER_TEST_IMAGE).
 */
@RequiresDocker
class ImageContractDockerTest {
    private final List<String> containers = new ArrayList<>();
    private final List<String> volumes = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        containers.forEach(c -> Docker.run("rm", "-f", "-v", c));
        volumes.forEach(v -> Docker.run("volume", "rm", "-f", v));
    }

    private String volume(String name) {
        String volume = "pg-cluster-contract-" + name;
        Docker.ok("volume", "create", "--label", Docker.TEST_LABEL + "=1", volume);
        volumes.add(volume);
        return volume;
    }

    /** docker create, copy files in, start: the way the program's uploads reach a container. */
    private String start(String name, String volume, List<String> env, String initScript, String passwordFile) {
        String container = "pg-cluster-contract-" + name;
        var args = new ArrayList<>(List.of("create", "--name", container, "--label", Docker.TEST_LABEL + "=1",
                "--volume", volume + ":/var/lib/postgresql/data",
                "--health-cmd", "pg_isready -h 127.0.0.1 -q", "--health-interval", "1s"));
        env.forEach(e -> args.addAll(List.of("--env", e)));
        args.add(TestImage.reference());
        Docker.ok(args.toArray(String[]::new));
        containers.add(container);
        var tar = new Tar();
        if (initScript != null) {
            tar.file("/docker-entrypoint-initdb.d/10-count.sh", Docker.utf8(initScript), 0755);
        }
        if (passwordFile != null) {
            tar.file("/run/secrets/pw", Docker.utf8(passwordFile), 0644);
        }
        Docker.run(Duration.ofMinutes(1), tar.bytes(), "cp", "-", container + ":/").orThrow("copy into " + container);
        Docker.ok("start", container);
        return container;
    }

    private static final String COUNTING_SCRIPT = "#!/bin/sh\nset -eu\n"
            + "psql -v ON_ERROR_STOP=1 --username \"$POSTGRES_USER\" -c 'CREATE TABLE init_runs (at timestamptz DEFAULT now())'"
            + " -c 'INSERT INTO init_runs DEFAULT VALUES'\n";

    @Test
    void freshInitRunsInitScriptsOnceAndARestartSkipsInit() {
        String volume = volume("fresh");
        String c = start("fresh", volume, List.of("POSTGRES_PASSWORD=contract-password-1",
                "PGDATA=/var/lib/postgresql/data/pgdata"), COUNTING_SCRIPT, null);
        Docker.awaitHealthy(c, Duration.ofSeconds(60));
        assertEquals("1", Docker.psql(c, "SELECT count(*) FROM init_runs"));
        assertEquals("/var/lib/postgresql/data/pgdata", Docker.psql(c, "SHOW data_directory"));
        String firstLog = Docker.run("logs", c).stderr() + Docker.run("logs", c).stdout();
        assertTrue(firstLog.contains("10-count.sh"), "the init script ran");

        Docker.ok("restart", c);
        Docker.awaitHealthy(c, Duration.ofSeconds(60));
        assertEquals("1", Docker.psql(c, "SELECT count(*) FROM init_runs"), "a restart skips init");

        // A new container on the same volume, with no password at all: the data directory is reused.
        Docker.ok("rm", "-f", c);
        String again = start("fresh-again", volume, List.of("PGDATA=/var/lib/postgresql/data/pgdata"), COUNTING_SCRIPT, null);
        Docker.awaitHealthy(again, Duration.ofSeconds(60));
        assertEquals("1", Docker.psql(again, "SELECT count(*) FROM init_runs"));
    }

    @Test
    void passwordFileSetsTheSuperuserPasswordAndStaysOutOfTheEnvironment() {
        String password = "from-a-file-" + System.nanoTime();
        String c = start("file", volume("file"), List.of("POSTGRES_PASSWORD_FILE=/run/secrets/pw",
                "POSTGRES_INITDB_ARGS=--auth-local=peer --auth-host=scram-sha-256"), null, password);
        Docker.awaitHealthy(c, Duration.ofSeconds(60));
        Shell.Result login = Docker.run(Duration.ofMinutes(1), Docker.utf8(password), "exec", "-i", c, "sh", "-c",
                "PGPASSWORD=$(cat) psql -h 127.0.0.1 -U postgres -XAtc 'SELECT 1'");
        assertEquals("1", login.orThrow("password login").stdout().strip());
        Shell.Result wrong = Docker.run(Duration.ofMinutes(1), Docker.utf8("wrong-password"), "exec", "-i", c, "sh", "-c",
                "PGPASSWORD=$(cat) psql -h 127.0.0.1 -U postgres -XAtc 'SELECT 1'");
        assertFalse(wrong.ok(), "a wrong password is refused over TCP");
        assertFalse(Docker.inspect(c, "{{json .Config.Env}}").contains(password));
        assertFalse(Docker.ok("exec", "-u", "postgres", c, "cat", "/proc/1/environ").contains(password),
                "the server process does not carry the password in its environment");
    }

    @Test
    void missingPasswordRefusesToInitialize() {
        String c = start("nopw", volume("nopw"), List.of(), null, null);
        Docker.run(Duration.ofSeconds(60), null, "wait", c);
        assertEquals("false", Docker.inspect(c, "{{.State.Running}}"));
        String log = Docker.run("logs", c).stderr();
        assertTrue(log.contains("POSTGRES_PASSWORD"), log);
    }

    @Test
    void stopIsAFastShutdown() {
        String c = start("stop", volume("stop"), List.of("POSTGRES_PASSWORD=contract-password-1"), null, null);
        Docker.awaitHealthy(c, Duration.ofSeconds(60));
        assertEquals("SIGINT", Docker.inspect(c, "{{.Config.StopSignal}}"));
        Docker.ok("stop", c);
        assertTrue(Docker.run("logs", c).stderr().contains("fast shutdown"));
        assertEquals("0", Docker.inspect(c, "{{.State.ExitCode}}"));
    }
}
