package dev.pgcluster.realdocker;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The docker CLI against the local engine: what the real-Docker tests use to act and to look. */
public final class Docker {
    /** Every object the realizer creates carries this label, so a crashed run's leftovers can be found. */
    public static final String TEST_LABEL = "pg-cluster-test.realizer";
    /** Stacks of the real-Docker tests are named with this prefix. */
    public static final String TEST_STACK_PREFIX = "it-";

    private Docker() {
    }

    public static Shell.Result run(String... args) {
        return run(Duration.ofMinutes(5), null, args);
    }

    public static Shell.Result run(Duration limit, byte[] stdin, String... args) {
        var command = new ArrayList<String>();
        command.add("docker");
        command.addAll(Arrays.asList(args));
        return Shell.run(command, Map.of(), stdin, limit);
    }

    /** Runs and returns stdout, failing with docker's message on a non-zero exit. */
    public static String ok(String... args) {
        return run(args).orThrow("docker " + String.join(" ", Arrays.asList(args).subList(0, Math.min(2, args.length))))
                .stdout().strip();
    }

    /** {@link #ok} against another engine ({@code docker --host host …}). */
    public static String okAt(String host, String... args) {
        var all = new ArrayList<String>(List.of("--host", host));
        all.addAll(Arrays.asList(args));
        return ok(all.toArray(String[]::new));
    }

    /** {@link #psql(String, String)} on another engine. */
    public static String psqlAt(String host, String container, String sql) {
        return okAt(host, "exec", "-u", "postgres", container, "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                "-d", "postgres", "-c", sql);
    }

    /** {@code docker exec} as user postgres running psql on the socket; returns unaligned tuples. */
    public static String psql(String container, String sql) {
        return psql(container, "postgres", sql);
    }

    /** {@link #psql(String, String)} in another database. */
    public static String psql(String container, String database, String sql) {
        return ok("exec", "-u", "postgres", container, "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                "-d", database, "-c", sql);
    }

    public static boolean available() {
        try {
            return run(Duration.ofSeconds(20), null, "info", "--format", "{{.ServerVersion}}").ok();
        } catch (RuntimeException e) {
            return false;
        }
    }

    public static boolean imagePresent(String image) {
        return run("image", "inspect", image).ok();
    }

    public static String inspect(String object, String format) {
        return ok("inspect", "--format", format, object);
    }

    public static boolean exists(String kind, String name) {
        return run(kind, "inspect", name).ok();
    }

    public static List<String> lines(String output) {
        return output.isBlank() ? List.of() : List.of(output.strip().split("\n"));
    }

    /** Every container, volume and network labelled as belonging to stack {@code stack}. */
    public static List<String> objectsOfStack(String stack) {
        String filter = "label=pg-cluster.stack=" + stack;
        var objects = new ArrayList<String>();
        lines(ok("ps", "-a", "--format", "{{.Names}}", "--filter", filter)).forEach(n -> objects.add("container " + n));
        lines(ok("volume", "ls", "-q", "--filter", filter)).forEach(n -> objects.add("volume " + n));
        lines(ok("network", "ls", "--format", "{{.Name}}", "--filter", filter)).forEach(n -> objects.add("network " + n));
        return objects;
    }

    /**
     * Removes what earlier runs left: the containers, volumes and networks of test stacks
     * ({@link #TEST_STACK_PREFIX}, a name only the tests use) and whatever else the tests
     * labelled with {@link #TEST_LABEL}.
     */
    public static void removeLeftovers() {
        var containers = new ArrayList<String>();
        containers.addAll(lines(ok("ps", "-aq", "--filter", "label=" + TEST_LABEL)));
        containers.addAll(ofTestStacks("ps", "-a", "-q"));
        if (!containers.isEmpty()) {
            var args = new ArrayList<>(List.of("rm", "-f", "-v"));
            args.addAll(containers.stream().distinct().toList());
            run(args.toArray(String[]::new));
        }
        var volumes = new ArrayList<>(lines(ok("volume", "ls", "-q", "--filter", "label=" + TEST_LABEL)));
        volumes.addAll(ofTestStacks("volume", "ls", "-q"));
        volumes.stream().distinct().forEach(volume -> run("volume", "rm", "-f", volume));
        var networks = new ArrayList<>(lines(ok("network", "ls", "-q", "--filter", "label=" + TEST_LABEL)));
        networks.addAll(ofTestStacks("network", "ls", "-q"));
        networks.stream().distinct().forEach(network -> run("network", "rm", network));
    }

    /** Objects listed by {@code docker <list…>} whose pg-cluster.stack label names a test stack. */
    private static List<String> ofTestStacks(String... list) {
        var args = new ArrayList<>(List.of(list));
        args.remove("-q");
        args.addAll(List.of("--filter", "label=pg-cluster.stack", "--format",
                list[0].equals("volume") ? "{{.Name}} {{.Label \"pg-cluster.stack\"}}" : "{{.ID}} {{.Label \"pg-cluster.stack\"}}"));
        var ids = new ArrayList<String>();
        for (String line : lines(ok(args.toArray(String[]::new)))) {
            String[] idAndStack = line.split(" ", 2);
            if (idAndStack.length == 2 && idAndStack[1].startsWith(TEST_STACK_PREFIX)) {
                ids.add(idAndStack[0]);
            }
        }
        return ids;
    }

    /** Blocks until {@code container} reports healthy; fails with its last log lines otherwise. */
    public static void awaitHealthy(String container, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String status = "";
        while (Instant.now().isBefore(deadline)) {
            status = inspect(container, "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}");
            if (status.equals("running healthy")) {
                return;
            }
            if (status.startsWith("exited") || status.startsWith("dead")) {
                break;
            }
            sleep(Duration.ofMillis(300));
        }
        String logs = run("logs", "--tail", "30", container).stderr();
        throw new IllegalStateException("container " + container + " did not become healthy within " + timeout
                + " (state: " + status + "); last log lines:\n" + logs);
    }

    public static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
