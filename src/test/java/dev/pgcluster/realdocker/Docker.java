package dev.pgcluster.realdocker;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
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

    /**
     * Removes what earlier runs left: everything the realizer labelled, and the one-off containers
     * and volumes of test stacks ({@link #TEST_STACK_PREFIX}).
     */
    public static void removeLeftovers() {
        var containers = new ArrayList<String>();
        containers.addAll(lines(ok("ps", "-aq", "--filter", "label=" + TEST_LABEL)));
        for (String id : lines(ok("ps", "-aq", "--filter", "label=pg-cluster.stack"))) {
            if (inspect(id, "{{index .Config.Labels \"pg-cluster.stack\"}}").startsWith(TEST_STACK_PREFIX)) {
                containers.add(id);
            }
        }
        if (!containers.isEmpty()) {
            var args = new ArrayList<>(List.of("rm", "-f", "-v"));
            args.addAll(containers.stream().distinct().toList());
            run(args.toArray(String[]::new));
        }
        for (String volume : lines(ok("volume", "ls", "-q", "--filter", "label=" + TEST_LABEL))) {
            run("volume", "rm", "-f", volume);
        }
        for (String network : lines(ok("network", "ls", "-q", "--filter", "label=" + TEST_LABEL))) {
            run("network", "rm", network);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
