package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
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
 * README's quick start, literally: its command line, run by {@code sh} in a copy of the project
 * as a user's clone, with the CLI and its Java language host (which runs the program with Maven)
 * and the real {@code dev} stack. Then a bad config value through the same path.
 *
 * <p>{@code pulumi login --local} always keeps state under the OS user's home
 * ({@code ~/.pulumi/stacks/pg-cluster/}), whatever {@code HOME} says; the test refuses to run when
 * a local {@code pg-cluster} stack {@code dev} exists there already, and removes only what it made.
 * Its Pulumi home (credentials, the current login) is a directory of its own.
 *
 * <p>The dev stack's image is {@code postgres:17.6}. Where the official image cannot be pulled,
 * the test image (built to the same contract) is tagged so for the test, and untagged after.
 */
@RequiresDocker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QuickStartDockerTest {
    private static final String DEV_IMAGE = "postgres:17.6";
    private static final Duration LIMIT = Duration.ofMinutes(10);

    private Path project;
    private Map<String, String> env;
    private boolean taggedImage;
    private boolean upRan;
    private Path localStacks;
    /** What the OS user's ~/.pulumi held before: afterwards only what the test added is removed. */
    private java.util.Set<Path> userPulumiBefore;

    @BeforeAll
    void cloneTheProject() throws IOException {
        assertEquals(List.of(), Docker.objectsOfStack("dev"),
                "a dev stack of this project already runs on this Docker host; the quick start test would collide with it");
        localStacks = Path.of(System.getProperty("user.home"), ".pulumi", "stacks", "pg-cluster");
        if (Files.isDirectory(localStacks)) {
            try (var stacks = Files.list(localStacks)) {
                assertEquals(List.of(), stacks.filter(f -> f.getFileName().toString().startsWith("dev.")).toList(),
                        "a local stack pg-cluster/dev exists under " + localStacks + "; the quick start test would use it");
            }
        }
        userPulumiBefore = walk(localStacks.getParent().getParent());
        Path root = Engine.ROOT.resolve("quickstart");
        project = root.resolve("pg-cluster");
        Path home = root.resolve("home");
        Files.createDirectories(home);
        for (String file : List.of("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml", "pom.xml",
                "README.md", ".mvn/jvm.config", "tools/launch/mvn")) {
            copy(Path.of(file), project.resolve(file));
        }
        for (String dir : List.of("src/main", "init", "monitoring")) {
            try (var files = Files.walk(Path.of(dir))) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    copy(file, project.resolve(file.toString()));
                }
            }
        }
        env = new LinkedHashMap<>();
        env.put("HOME", home.toString());
        env.put("PULUMI_HOME", home.resolve(".pulumi").toString());
        env.put("PULUMI_CONFIG_PASSPHRASE", Engine.PASSPHRASE);
        env.put("PULUMI_SKIP_UPDATE_CHECK", "true");
        if (System.getenv("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION") != null) {
            env.put("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", System.getenv("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"));
        }
        // The user's Maven repository, not one under the test's HOME (nothing to download again).
        env.put("MAVEN_OPTS", "-Dmaven.repo.local=" + mavenRepository());
        if (!Docker.imagePresent(DEV_IMAGE)) {
            Docker.ok("tag", TestImage.reference(), DEV_IMAGE);
            taggedImage = true;
        }
    }

    @AfterAll
    void tearDown() {
        try {
            if (upRan) {
                cli("destroy", "--yes", "--stack", "dev").orThrow("pulumi destroy of the quick start");
                cli("stack", "rm", "--yes", "dev").orThrow("pulumi stack rm dev");
            }
            // `pulumi stack rm` leaves backups, history and .bak files of the stacks behind.
            Path userPulumi = localStacks.getParent().getParent();
            walk(userPulumi).stream().filter(p -> !userPulumiBefore.contains(p))
                    .sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } finally {
            if (taggedImage) {
                Docker.run("rmi", DEV_IMAGE);
            }
        }
    }

    private static java.util.Set<Path> walk(Path root) {
        if (!Files.exists(root)) {
            return java.util.Set.of();
        }
        try (var paths = Files.walk(root)) {
            return paths.collect(java.util.stream.Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String mavenRepository() {
        String configured = System.getProperty("maven.repo.local");
        return configured != null ? configured : Path.of(System.getProperty("user.home"), ".m2", "repository").toString();
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
    }

    private Shell.Result sh(String commandLine) {
        var environment = new LinkedHashMap<>(env);
        environment.put("PATH", System.getenv("PATH"));
        return Shell.run(List.of("sh", "-c", commandLine), environment, null, LIMIT, project);
    }

    private Shell.Result cli(String... args) {
        return sh("pulumi " + String.join(" ", args));
    }

    /** The first command line of README's quick start. */
    private static String quickStartCommand() {
        try {
            return Files.readAllLines(Path.of("README.md")).stream()
                    .map(String::strip)
                    .filter(line -> line.startsWith("pulumi login --local"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("README.md has no quick start command line"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    @Order(1)
    void theQuickStartBringsUpTheDevStackAndItsOutputsWorkAsPrinted() throws IOException {
        String command = quickStartCommand();
        assertEquals("pulumi login --local && pulumi stack select --create dev && pulumi up --yes", command);
        upRan = true;
        sh(command).orThrow("the quick start (" + command + ")");
        String primary = "pg-cluster-dev-pg0";
        Sql.awaitPsql(primary, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'", "1"::equals,
                Duration.ofSeconds(60));

        String uri = cli("stack", "output", "primaryConnectionString", "--show-secrets").orThrow("stack output").stdout().strip();
        String readOnly = cli("stack", "output", "readOnlyConnectionString", "--show-secrets").orThrow("stack output")
                .stdout().strip();
        String jdbc = cli("stack", "output", "primaryJdbcUrl", "--show-secrets").orThrow("stack output").stdout().strip();
        // As README says: the CA certificate where libpq and pgJDBC look by default (~/.postgresql/root.crt;
        // here the test's own file, mounted there in the psql container, and given to JDBC).
        String ca = cli("stack", "output", "caCertificate").orThrow("stack output caCertificate").stdout();
        assertTrue(ca.startsWith("-----BEGIN CERTIFICATE-----"), ca);
        Path rootCrt = Files.writeString(project.resolve("root.crt"), ca);
        TestTrust.add(ca);
        assertEquals("f", psqlOnHost(uri, rootCrt));
        assertEquals("t", psqlOnHost(readOnly, rootCrt), "the read-only string lands on a standby");
        assertEquals("f", Sql.query(jdbc, "SELECT pg_is_in_recovery()"));
        assertFalse(cli("stack", "output", "primaryConnectionString").stdout().contains(uri.substring(14)),
                "without --show-secrets the password stays hidden");

        // `--local` is the OS user's home; the login itself went to the test's own Pulumi home.
        assertTrue(Files.exists(localStacks), "state under " + localStacks);
        assertTrue(Files.readString(Path.of(env.get("PULUMI_HOME"), "credentials.json")).contains("file://~"));
    }

    /** libpq (PostgreSQL 17's, from the image) with the URI exactly as printed, the CA in its default place. */
    private static String psqlOnHost(String uri, Path rootCrt) {
        return Docker.ok("run", "--rm", "--network", "host", "--label", Docker.TEST_LABEL + "=1",
                "-v", rootCrt + ":/root/.postgresql/root.crt:ro", TestImage.reference(), "psql", uri, "-XAtc",
                "SELECT pg_is_in_recovery()");
    }

    @Test
    @Order(2)
    void aBadValueAndATypoFailTheRealUpBeforeAnythingIsCreated() {
        String stack = "it-quickstart-bad";
        cli("stack", "init", stack).orThrow("pulumi stack init");
        try {
            cli("config", "set", "--stack", stack, "pg-cluster:replicas", "11").orThrow("config set");
            cli("config", "set", "--stack", stack, "pg-cluster:replicsa", "2").orThrow("config set");
            Shell.Result up = cli("up", "--yes", "--stack", stack);
            assertFalse(up.ok(), "pulumi up must fail");
            String said = up.stdout() + up.stderr();
            assertTrue(said.contains("pg-cluster:replicas = \"11\" is not allowed: a whole number from 0 to 10"), said);
            assertTrue(said.contains("pg-cluster:replicsa is not a pg-cluster setting"), said);
            String state = cli("stack", "export", "--stack", stack).orThrow("stack export").stdout();
            assertFalse(state.contains("docker:") || state.contains("command:"), "nothing in state: " + state);
            assertEquals(List.of(), Docker.objectsOfStack(stack), "nothing on the Docker engine");
        } finally {
            cli("stack", "rm", "--yes", "--force", stack);
        }
    }
}
