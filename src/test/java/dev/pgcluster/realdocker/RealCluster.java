package dev.pgcluster.realdocker;

import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.testing.TestConfigs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cluster brought up by the real engine ({@code pulumi up} through the Automation API) on the
 * Docker engine. {@link #close()} is {@code pulumi destroy} and removes the stack.
 */
public final class RealCluster implements AutoCloseable {
    private static final AtomicInteger SUBNETS = new AtomicInteger(0);

    private final EngineStack stack;
    private final Map<String, Object> outputs;
    private final Duration upTime;
    private EngineStack.Run lastDestroy;
    private boolean destroyed;

    private RealCluster(EngineStack stack, Map<String, Object> outputs, Duration upTime) {
        this.stack = stack;
        this.outputs = outputs;
        this.upTime = upTime;
    }

    /**
     * Config for a test stack named {@code it-<name>}: the test image without pulling, free host
     * ports, a subnet of its own; {@code extra} key/value pairs on top.
     */
    public static Map<String, String> testConfig(int replicas, String... extra) {
        var values = new LinkedHashMap<String, String>();
        values.put("replicas", String.valueOf(replicas));
        values.put("image", TestImage.reference());
        values.put("pullImage", "false");
        values.put("subnet", "10.201." + (SUBNETS.incrementAndGet() % 250) + ".0/24");
        List<Integer> ports = freePorts(replicas + 1);
        values.put("primaryPort", String.valueOf(ports.get(0)));
        values.put("replicaPorts", ports.subList(1, ports.size()).toString());
        values.put("healthTimeoutSeconds", "120");
        // Monitoring (on in the staging and prod shapes): the test image carries both programs,
        // and Prometheus and the exporters need consecutive free host ports.
        values.put("exporterImage", TestImage.reference());
        values.put("prometheusImage", TestImage.reference());
        values.put("monitoringPort", String.valueOf(freeRange(replicas + 2)));
        for (int i = 0; i < extra.length; i += 2) {
            values.put(extra[i], extra[i + 1]);
        }
        return values;
    }

    /** {@code pulumi up} of stack {@code it-<name>}; on failure destroys what was created and rethrows. */
    public static RealCluster up(String name, Map<String, String> values) {
        return up(name, values, Map.of());
    }

    /** {@link #up(String, Map)} with extra environment for the CLI and the steps it runs. */
    public static RealCluster up(String name, Map<String, String> values, Map<String, String> environment) {
        return up(name, values, environment, stack -> { });
    }

    /**
     * {@link #up(String, Map, Map)}, with {@code configure} given the stack before its first
     * {@code up} (for config that is not a plain value, e.g. {@link EngineStack#setMapConfig}).
     */
    public static RealCluster up(String name, Map<String, String> values, Map<String, String> environment,
                                 java.util.function.Consumer<EngineStack> configure) {
        String stackName = Docker.TEST_STACK_PREFIX + name;
        var stack = EngineStack.create(stackName, values, environment);
        configure.accept(stack);
        Instant start = Instant.now();
        try {
            stack.up();
        } catch (RuntimeException e) {
            try {
                stack.close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        Duration upTime = Duration.between(start, Instant.now());
        return new RealCluster(stack, stack.outputs(), upTime);
    }

    /** The config the stack holds now (it follows {@code stack().setConfig}). */
    public ClusterConfig config() {
        return TestConfigs.read(stack.name(), stack.values());
    }

    /** The stack, for further engine operations (preview, refresh, up with changed config). */
    public EngineStack stack() {
        return stack;
    }

    public Duration upTime() {
        return upTime;
    }

    public String output(String name) {
        return String.valueOf(outputs.get(name));
    }

    @SuppressWarnings("unchecked")
    public Map<String, String> replicaConnectionStrings() {
        return (Map<String, String>) outputs.get("replicaConnectionStrings");
    }

    public String container(String node) {
        return config().namePrefix() + "-" + node;
    }

    public String primary() {
        return container(config().primary().name());
    }

    public List<String> replicas() {
        return config().replicas().stream().map(n -> container(n.name())).toList();
    }

    public String volume(String node) {
        return config().namePrefix() + "-" + node + "-data";
    }

    /** What the {@code primary} step reported the last time it ran (its stdout). */
    public String primaryStepReport() {
        var step = command(config().namePrefix() + "-primary");
        return step.outputs().has("stdout") ? step.outputs().get("stdout").getAsString() : "";
    }

    /**
     * A JDBC URL over every node that connects to whichever accepts writes: a client that follows a
     * switchover without reading the stack's outputs again.
     */
    public String anyPrimaryJdbcUrl() {
        return output("readOnlyJdbcUrl").replaceAll("targetServerType=[A-Za-z]+", "targetServerType=primary")
                .replace("loadBalanceHosts=true", "loadBalanceHosts=false");
    }

    public String network() {
        return config().namePrefix() + "-net";
    }

    /** Logical name of a resource the program declared for a node, e.g. {@code step(pg1, "slot")}. */
    public String step(String node, String step) {
        return config().namePrefix() + "-" + node + "-" + step;
    }

    /** A command step as the engine holds it in state: its scripts, environment and stdin. */
    public EngineStack.StateResource command(String logicalName) {
        return stack.resource("command:local:Command", logicalName);
    }

    /** The steps of the last {@code pulumi destroy}, in the engine's order. */
    public EngineStack.Run lastDestroy() {
        return lastDestroy;
    }

    /** {@code pulumi destroy}: volumes with retainOnDelete stay. The stack is removed afterwards. */
    public void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        lastDestroy = stack.destroy();
        stack.remove();
    }

    @Override
    public void close() {
        destroy();
    }

    private static final AtomicInteger NEXT_RANGE = new AtomicInteger(
            30000 + (int) (ProcessHandle.current().pid() % 100) * 20);

    /**
     * The first of {@code count} consecutive host ports that are free now, below the ephemeral
     * range (where a client's own port could take one meanwhile).
     */
    static int freeRange(int count) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = NEXT_RANGE.getAndAdd(count);
            if (base + count > 32700) {
                NEXT_RANGE.set(30000);
                continue;
            }
            var sockets = new ArrayList<ServerSocket>();
            try {
                for (int i = 0; i < count; i++) {
                    sockets.add(new ServerSocket(base + i));
                }
                return base;
            } catch (IOException taken) {
                // try the next range
            } finally {
                sockets.forEach(socket -> {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // a port we only borrowed to see that it is free
                    }
                });
            }
        }
        throw new IllegalStateException("no " + count + " consecutive free ports between 30000 and 32700");
    }

    /**
     * {@code count} host ports that are free now, from the same range as {@link #freeRange}: below
     * the ephemeral range, where the kernel hands out ports to clients (ports it handed out once
     * were taken by a client's own connection before the stack published them: "address already
     * in use").
     */
    static List<Integer> freePorts(int count) {
        int base = freeRange(count);
        return java.util.stream.IntStream.range(base, base + count).boxed().toList();
    }
}
