package dev.pgcluster.realdocker;

import com.pulumi.test.Mocks;
import dev.pgcluster.testing.StrictMocks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Pulumi mocks that realize each registration on the real Docker engine and answer with the real
 * result, playing the engine and providers where no Pulumi CLI can run. The engine calls a mock
 * only after everything the resource depends on has been realized, so this follows the engine's
 * order. Strict: an unknown resource type, an input it does not implement, or any provider call
 * fails the run instead of being ignored.
 */
public final class DockerRealizer implements Mocks {
    /** One realized resource and how to undo it. */
    public record Realized(String type, String name, String dockerName, Runnable delete) {
    }

    /** A command step as it ran: enough to run its scripts again. */
    public record CommandRun(String name, Map<String, String> environment, String stdin, Shell.Result result) {
    }

    private final List<Realized> realized = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, CommandRun> commands = Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());

    @Override
    public CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
        // Real work blocks; run it off the engine's threads.
        return CompletableFuture.supplyAsync(() -> realize(args.type, args.name, args.inputs));
    }

    @Override
    public CompletableFuture<Map<String, Object>> callAsync(CallArgs args) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException(
                "the realizer implements no provider function; the program called " + args.token));
    }

    private ResourceResult realize(String type, String name, Map<String, Object> inputs) {
        if (StrictMocks.COMPONENT_TYPES.contains(type)) {
            return ResourceResult.of(Optional.empty(), Map.of());
        }
        return switch (type) {
            case "docker:index/network:Network" -> network(name, inputs);
            case "docker:index/volume:Volume" -> volume(name, inputs);
            case "docker:index/container:Container" -> container(name, inputs);
            case "command:local:Command" -> command(name, inputs);
            default -> throw new UnsupportedOperationException("the realizer does not implement resource type " + type
                    + " (declared as " + name + ")");
        };
    }

    // ---- docker:index/network:Network ----

    private ResourceResult network(String name, Map<String, Object> in) {
        only("network " + name, in, Set.of("name", "driver", "ipamConfigs", "labels"));
        String dockerName = string(in, "name");
        var args = new ArrayList<>(List.of("network", "create", "--driver", string(in, "driver"),
                "--label", Docker.TEST_LABEL + "=1"));
        for (Map<String, Object> ipam : maps(in, "ipamConfigs")) {
            only("network " + name + " ipamConfigs", ipam, Set.of("subnet", "gateway"));
            args.addAll(List.of("--subnet", string(ipam, "subnet"), "--gateway", string(ipam, "gateway")));
        }
        labels(in, args);
        args.add(dockerName);
        String id = Docker.ok(args.toArray(String[]::new));
        realized.add(new Realized("docker:index/network:Network", name, dockerName,
                () -> Docker.run("network", "rm", dockerName).orThrow("docker network rm " + dockerName)));
        return state(id, in);
    }

    // ---- docker:index/volume:Volume ----

    private ResourceResult volume(String name, Map<String, Object> in) {
        only("volume " + name, in, Set.of("name", "labels"));
        String dockerName = string(in, "name");
        var args = new ArrayList<>(List.of("volume", "create", "--label", Docker.TEST_LABEL + "=1"));
        labels(in, args);
        args.add(dockerName);
        Docker.ok(args.toArray(String[]::new));
        realized.add(new Realized("docker:index/volume:Volume", name, dockerName,
                () -> Docker.run("volume", "rm", dockerName).orThrow("docker volume rm " + dockerName)));
        return state(dockerName, in);
    }

    // ---- docker:index/container:Container ----

    private static final Set<String> CONTAINER_INPUTS = Set.of("name", "hostname", "image", "command", "envs", "labels",
            "networksAdvanced", "volumes", "ports", "healthcheck", "wait", "waitTimeout", "restart", "stopTimeout",
            "destroyGraceSeconds", "logDriver", "logOpts", "shmSize", "memory", "cpuShares", "uploads");

    private ResourceResult container(String name, Map<String, Object> in) {
        only("container " + name, in, CONTAINER_INPUTS);
        String dockerName = string(in, "name");
        var args = new ArrayList<>(List.of("create", "--name", dockerName, "--label", Docker.TEST_LABEL + "=1"));
        optional(in, "hostname").ifPresent(h -> args.addAll(List.of("--hostname", (String) h)));
        for (Object env : list(in, "envs")) {
            args.addAll(List.of("--env", (String) env));
        }
        labels(in, args);
        List<Map<String, Object>> networks = maps(in, "networksAdvanced");
        if (networks.size() > 1) {
            throw new UnsupportedOperationException("the realizer attaches a container to one network only");
        }
        for (Map<String, Object> network : networks) {
            only("container " + name + " networksAdvanced", network, Set.of("name", "aliases"));
            args.addAll(List.of("--network", string(network, "name")));
            for (Object alias : list(network, "aliases")) {
                args.addAll(List.of("--network-alias", (String) alias));
            }
        }
        for (Map<String, Object> volume : maps(in, "volumes")) {
            only("container " + name + " volumes", volume, Set.of("volumeName", "containerPath"));
            args.addAll(List.of("--volume", string(volume, "volumeName") + ":" + string(volume, "containerPath")));
        }
        for (Map<String, Object> port : maps(in, "ports")) {
            only("container " + name + " ports", port, Set.of("internal", "external", "ip"));
            args.addAll(List.of("--publish", string(port, "ip") + ":" + integer(port, "external") + ":" + integer(port, "internal")));
        }
        optional(in, "healthcheck").ifPresent(h -> {
            @SuppressWarnings("unchecked")
            var health = (Map<String, Object>) h;
            only("container " + name + " healthcheck", health, Set.of("tests", "interval", "timeout", "retries", "startPeriod"));
            List<Object> tests = list(health, "tests");
            if (tests.size() != 2 || !"CMD-SHELL".equals(tests.get(0))) {
                throw new UnsupportedOperationException("the realizer implements CMD-SHELL health checks only: " + tests);
            }
            args.addAll(List.of("--health-cmd", (String) tests.get(1), "--health-interval", string(health, "interval"),
                    "--health-timeout", string(health, "timeout"), "--health-retries", String.valueOf(integer(health, "retries")),
                    "--health-start-period", string(health, "startPeriod")));
        });
        optional(in, "restart").ifPresent(r -> args.addAll(List.of("--restart", (String) r)));
        optional(in, "stopTimeout").ifPresent(t -> args.addAll(List.of("--stop-timeout", String.valueOf(((Number) t).intValue()))));
        optional(in, "logDriver").ifPresent(d -> args.addAll(List.of("--log-driver", (String) d)));
        optional(in, "logOpts").ifPresent(o -> ((Map<?, ?>) o).forEach((k, v) -> args.addAll(List.of("--log-opt", k + "=" + v))));
        optional(in, "shmSize").ifPresent(s -> args.addAll(List.of("--shm-size", ((Number) s).intValue() + "m")));
        optional(in, "memory").ifPresent(m -> args.addAll(List.of("--memory", ((Number) m).intValue() + "m")));
        optional(in, "cpuShares").ifPresent(c -> args.addAll(List.of("--cpu-shares", String.valueOf(((Number) c).intValue()))));
        args.add(string(in, "image"));
        list(in, "command").forEach(c -> args.add((String) c));

        String id = Docker.ok(args.toArray(String[]::new));
        int grace = optional(in, "destroyGraceSeconds").map(g -> ((Number) g).intValue()).orElse(10);
        realized.add(new Realized("docker:index/container:Container", name, dockerName, () -> {
            Docker.run(Duration.ofSeconds(grace + 30), null, "stop", "--time", String.valueOf(grace), dockerName);
            Docker.run("rm", "-f", "-v", dockerName).orThrow("docker rm " + dockerName);
        }));

        List<Map<String, Object>> uploads = maps(in, "uploads");
        if (!uploads.isEmpty()) {
            var tar = new Tar();
            for (Map<String, Object> upload : uploads) {
                only("container " + name + " uploads", upload, Set.of("file", "content", "executable"));
                boolean executable = Boolean.TRUE.equals(upload.get("executable"));
                tar.file(string(upload, "file"), string(upload, "content").getBytes(StandardCharsets.UTF_8),
                        executable ? 0744 : 0644);
            }
            Docker.run(Duration.ofMinutes(1), tar.bytes(), "cp", "-", dockerName + ":/").orThrow("upload into " + dockerName);
        }
        Docker.ok("start", dockerName);
        if (Boolean.TRUE.equals(in.get("wait"))) {
            int timeout = optional(in, "waitTimeout").map(t -> ((Number) t).intValue()).orElse(60);
            awaitHealthy(dockerName, Duration.ofSeconds(timeout));
        }
        log.add("container " + dockerName + " started");
        return state(id, in);
    }

    /** What the provider's {@code wait} does: block until the container reports healthy. */
    public static void awaitHealthy(String container, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String status = "";
        while (Instant.now().isBefore(deadline)) {
            status = Docker.inspect(container, "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}");
            if (status.equals("running healthy")) {
                return;
            }
            if (status.startsWith("exited") || status.startsWith("dead")) {
                break;
            }
            sleep(Duration.ofMillis(300));
        }
        String logs = Docker.run("logs", "--tail", "30", container).stderr();
        throw new IllegalStateException("container " + container + " did not become healthy within " + timeout
                + " (state: " + status + "); last log lines:\n" + logs);
    }

    // ---- command:local:Command ----

    private static final Set<String> COMMAND_INPUTS = Set.of("create", "update", "delete", "environment", "stdin",
            "triggers", "logging", "addPreviousOutputInEnv");

    private ResourceResult command(String name, Map<String, Object> in) {
        only("command " + name, in, COMMAND_INPUTS);
        var env = new LinkedHashMap<String, String>();
        optional(in, "environment").ifPresent(e -> ((Map<?, ?>) e).forEach((k, v) -> env.put((String) k, (String) v)));
        String stdin = (String) in.get("stdin");
        String logging = (String) in.getOrDefault("logging", "stdoutAndStderr");
        if (!Set.of("stdout", "stderr", "stdoutAndStderr", "none").contains(logging)) {
            throw new UnsupportedOperationException("unknown logging value " + logging);
        }
        Shell.Result result = runScript(string(in, "create"), env, stdin);
        report(name, "create", logging, result);
        if (!result.ok()) {
            throw new IllegalStateException("command " + name + " failed with exit status " + result.exitCode()
                    + (logging.equals("none") ? "" : ": " + result.stderr().strip()));
        }
        commands.put(name, new CommandRun(name, Map.copyOf(env), stdin, result));
        Optional<String> delete = optional(in, "delete").map(String.class::cast);
        boolean previousOutput = !Boolean.FALSE.equals(in.get("addPreviousOutputInEnv"));
        realized.add(new Realized("command:local:Command", name, name, () -> delete.ifPresent(script -> {
            var deleteEnv = new HashMap<>(env);
            if (previousOutput) {
                deleteEnv.put("PULUMI_COMMAND_STDOUT", result.stdout());
                deleteEnv.put("PULUMI_COMMAND_STDERR", result.stderr());
            }
            Shell.Result deleted = runScript(script, deleteEnv, null);
            report(name, "delete", logging, deleted);
            deleted.orThrow("delete of command " + name);
        })));
        var state = new HashMap<>(in);
        state.put("stdout", result.stdout());
        state.put("stderr", result.stderr());
        return ResourceResult.of(Optional.of(name), state);
    }

    /** Runs a step's script the way the provider does: {@code /bin/sh -c}, extra environment, stdin. */
    public static Shell.Result runScript(String script, Map<String, String> env, String stdin) {
        return Shell.run(List.of("/bin/sh", "-c", script), env,
                stdin == null ? null : stdin.getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(15));
    }

    private void report(String name, String phase, String logging, Shell.Result result) {
        if (!logging.equals("none") && !logging.equals("stderr") && !result.stdout().isBlank()) {
            System.out.println("[" + name + " " + phase + "] " + result.stdout().strip());
        }
        if (!logging.equals("none") && !logging.equals("stdout") && !result.stderr().isBlank()) {
            System.out.println("[" + name + " " + phase + " stderr] " + result.stderr().strip());
        }
    }

    // ---- teardown ----

    /**
     * Undoes everything in reverse creation order, as {@code pulumi destroy} does. Volumes for which
     * {@code retain} holds stay (the retainOnDelete option). Keeps going past a failure so nothing
     * leaks, then reports every failure.
     */
    public void destroy(Predicate<Realized> retain) {
        var failures = new ArrayList<String>();
        List<Realized> reversed;
        synchronized (realized) {
            reversed = new ArrayList<>(realized);
        }
        Collections.reverse(reversed);
        for (Realized r : reversed) {
            if (retain.test(r)) {
                log.add("retained " + r.dockerName());
                continue;
            }
            try {
                r.delete().run();
                log.add("deleted " + r.type() + " " + r.dockerName());
            } catch (RuntimeException e) {
                failures.add(r.name() + ": " + e.getMessage());
            }
        }
        realized.clear();
        if (!failures.isEmpty()) {
            throw new IllegalStateException("teardown failed:\n" + String.join("\n", failures));
        }
    }

    public List<Realized> realized() {
        synchronized (realized) {
            return List.copyOf(realized);
        }
    }

    public CommandRun commandRun(String name) {
        CommandRun run = commands.get(name);
        if (run == null) {
            throw new IllegalArgumentException("no command " + name + " ran; ran: " + commands.keySet());
        }
        return run;
    }

    /** The realizer's own record of what it did, in order. */
    public List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    // ---- strict input handling ----

    private static void only(String what, Map<String, Object> inputs, Set<String> implemented) {
        var unknown = new TreeSet<>(inputs.keySet());
        unknown.removeAll(implemented);
        if (!unknown.isEmpty()) {
            throw new UnsupportedOperationException("the realizer does not implement " + what + " inputs " + unknown);
        }
    }

    private static ResourceResult state(String id, Map<String, Object> inputs) {
        return ResourceResult.of(Optional.of(id), new HashMap<>(inputs));
    }

    private static void labels(Map<String, Object> in, List<String> args) {
        for (Map<String, Object> label : maps(in, "labels")) {
            only("labels", label, Set.of("label", "value"));
            args.addAll(List.of("--label", string(label, "label") + "=" + string(label, "value")));
        }
    }

    private static Optional<Object> optional(Map<String, Object> in, String key) {
        return Optional.ofNullable(in.get(key));
    }

    private static String string(Map<String, Object> in, String key) {
        Object value = in.get(key);
        if (!(value instanceof String s)) {
            throw new IllegalArgumentException("expected a string for " + key + ", got " + value);
        }
        return s;
    }

    private static int integer(Map<String, Object> in, String key) {
        Object value = in.get(key);
        if (!(value instanceof Number n)) {
            throw new IllegalArgumentException("expected a number for " + key + ", got " + value);
        }
        return n.intValue();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> in, String key) {
        Object value = in.get(key);
        return value == null ? List.of() : (List<Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> maps(Map<String, Object> in, String key) {
        return (List<Map<String, Object>>) (List<?>) list(in, key);
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
