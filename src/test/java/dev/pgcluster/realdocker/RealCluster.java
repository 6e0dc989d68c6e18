package dev.pgcluster.realdocker;

import com.pulumi.Config;
import com.pulumi.core.Output;
import com.pulumi.core.internal.Internal;
import com.pulumi.test.PulumiTest;
import com.pulumi.test.TestOptions;
import com.pulumi.test.TestResult;
import dev.pgcluster.App;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.RuntimeConfigInfo;
import dev.pgcluster.testing.DeclarationRecorder;
import dev.pgcluster.testing.DeclaredResource;
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
 * A cluster brought up by running the program under {@link DockerRealizer}: what {@code pulumi up}
 * would give, on the real engine. {@link #close()} is {@code pulumi destroy}.
 */
public final class RealCluster implements AutoCloseable {
    private static final AtomicInteger SUBNETS = new AtomicInteger(0);

    private final ClusterConfig config;
    private final DockerRealizer realizer;
    private final List<DeclaredResource> declared;
    private final Map<String, Object> outputs;
    private final Duration upTime;
    private boolean destroyed;

    private RealCluster(ClusterConfig config, DockerRealizer realizer, List<DeclaredResource> declared,
                        Map<String, Object> outputs, Duration upTime) {
        this.config = config;
        this.realizer = realizer;
        this.declared = declared;
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
        for (int i = 0; i < extra.length; i += 2) {
            values.put(extra[i], extra[i + 1]);
        }
        return values;
    }

    public static RealCluster up(String name, Map<String, String> values) {
        return up(TestConfigs.read(Docker.TEST_STACK_PREFIX + name, values));
    }

    /** Runs the program for {@code config}; on failure tears down what was realized and rethrows. */
    public static RealCluster up(ClusterConfig config) {
        var realizer = new DockerRealizer();
        var recorder = new DeclarationRecorder();
        Instant start = Instant.now();
        TestResult result;
        try {
            result = PulumiTest.withMocks(realizer).withOptions(options(config, recorder))
                    .runTest(ctx -> App.declare(ctx, config));
        } finally {
            PulumiTest.cleanup();
        }
        Duration upTime = Duration.between(start, Instant.now());
        if (!result.errors().isEmpty() || !result.exceptions().isEmpty()) {
            realizer.destroy(r -> false);
            throw new IllegalStateException("pulumi up failed: " + result.errors() + " " + result.exceptions());
        }
        var outputs = new LinkedHashMap<String, Object>();
        result.outputs().forEach((k, v) -> outputs.put(k, value(v)));
        return new RealCluster(config, realizer, recorder.resources(), outputs, upTime);
    }

    /**
     * Runs the whole program — config reading included — against the engine, for a config bag that
     * may be invalid. Returns the run's errors; whatever was realized is torn down and reported.
     */
    public static Attempt attempt(String stack, Map<String, String> values) {
        var realizer = new DockerRealizer();
        var recorder = new DeclarationRecorder();
        Config bag = TestConfigs.mockConfig(values);
        RuntimeConfigInfo runtime = TestConfigs.runtime(values);
        var options = TestOptions.builder().projectName(TestConfigs.PROJECT).stackName(stack).preview(false)
                .resourceTransformations(List.of(recorder)).build();
        TestResult result;
        try {
            result = PulumiTest.withMocks(realizer).withOptions(options).runTest(ctx -> App.stack(ctx, bag, runtime));
        } finally {
            PulumiTest.cleanup();
        }
        var messages = new ArrayList<String>(result.errors());
        result.exceptions().forEach(e -> messages.add(String.valueOf(e.getMessage())));
        var realized = realizer.realized();
        realizer.destroy(r -> false);
        return new Attempt(messages, realized);
    }

    /** The outcome of {@link #attempt}. */
    public record Attempt(List<String> errors, List<DockerRealizer.Realized> realized) {
    }

    private static TestOptions options(ClusterConfig config, DeclarationRecorder recorder) {
        return TestOptions.builder()
                .projectName(config.project())
                .stackName(config.stack())
                .preview(false)
                .resourceTransformations(List.of(recorder))
                .build();
    }

    private static Object value(Output<?> output) {
        return Internal.of(output).getValueNullable().join();
    }

    public ClusterConfig config() {
        return config;
    }

    public DockerRealizer realizer() {
        return realizer;
    }

    public List<DeclaredResource> declared() {
        return declared;
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
        return config.namePrefix() + "-" + node;
    }

    public String primary() {
        return container(config.primary().name());
    }

    public List<String> replicas() {
        return config.replicas().stream().map(n -> container(n.name())).toList();
    }

    public String volume(String node) {
        return config.namePrefix() + "-" + node + "-data";
    }

    public String network() {
        return config.namePrefix() + "-net";
    }

    /** Logical name of a resource the program declared for a node, e.g. {@code step(pg1, "bootstrap-slot")}. */
    public String step(String node, String step) {
        return config.namePrefix() + "-" + node + "-" + step;
    }

    /** A plain input of a resource the program declared, by logical name. */
    public String declaredInput(String logicalName, String input) {
        return declared.stream()
                .filter(d -> d.name().equals(logicalName) && d.type().equals("command:local:Command"))
                .findFirst()
                .map(d -> (String) d.input(input))
                .orElseThrow(() -> new IllegalArgumentException("no command " + logicalName));
    }

    /** {@code pulumi destroy}: reverse order; volumes with retainOnDelete stay. */
    public void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        realizer.destroy(r -> r.type().equals("docker:index/volume:Volume") && declared.stream()
                .anyMatch(d -> d.type().equals(r.type()) && d.name().equals(r.name()) && d.retainOnDelete()));
    }

    @Override
    public void close() {
        destroy();
    }

    static List<Integer> freePorts(int count) {
        var sockets = new ArrayList<ServerSocket>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0));
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            sockets.forEach(s -> {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // a port we only borrowed to learn its number
                }
            });
        }
    }
}
