package dev.pgcluster.testing;

import com.pulumi.core.Output;
import com.pulumi.core.internal.Internal;
import com.pulumi.test.PulumiTest;
import com.pulumi.test.TestOptions;
import com.pulumi.test.TestResult;
import dev.pgcluster.App;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.topology.ClusterProbe;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Predicate;

/**
 * The result of running the program for one config under {@link StrictMocks}: what it declared,
 * in which order the engine would create it, and its stack outputs.
 */
public final class DeclaredStack {
    /** The root resource every program has, declared before the program runs. */
    private static final String STACK = "pulumi:pulumi:Stack";
    private final List<DeclaredResource> resources;
    private final List<String> creationOrder;
    private final Map<String, Output<?>> outputs;

    private final List<String> calls;

    private DeclaredStack(List<DeclaredResource> resources, List<String> creationOrder, Map<String, Output<?>> outputs,
                          List<String> calls) {
        this.resources = resources;
        this.creationOrder = creationOrder;
        this.outputs = outputs;
        this.calls = calls;
    }

    /** The provider functions the program called (invokes), each as "token provider-reference". */
    public List<String> calls() {
        return calls;
    }

    /** Runs {@link App#declare} for {@code config} on a new stack; fails the test if the program reported errors. */
    public static DeclaredStack of(ClusterConfig config) {
        return of(config, ClusterProbe.NONE);
    }

    /**
     * Runs {@link App#declare} for {@code config}, with {@code probe} saying what the nodes on
     * Docker are now; fails the test if the program reported errors.
     */
    public static DeclaredStack of(ClusterConfig config, ClusterProbe probe) {
        var mocks = new StrictMocks();
        var recorder = new DeclarationRecorder();
        try {
            TestResult result = run(config, probe, mocks, recorder);
            if (!result.errors().isEmpty() || !result.exceptions().isEmpty()) {
                throw new AssertionError("the program failed: " + result.errors() + " " + result.exceptions());
            }
            return new DeclaredStack(recorder.resources(), mocks.creationOrder(), result.outputs(), mocks.calls());
        } finally {
            PulumiTest.cleanup();
        }
    }

    /**
     * Runs {@link App#declare} for a cluster the program must refuse to touch; fails the test
     * unless it failed for exactly one reason and declared nothing. Returns that reason (the
     * test harness reports it both bare and wrapped in the run's future).
     */
    public static Throwable refused(ClusterConfig config, ClusterProbe probe) {
        var mocks = new StrictMocks();
        var recorder = new DeclarationRecorder();
        try {
            TestResult result = run(config, probe, mocks, recorder);
            List<Throwable> causes = result.exceptions().stream().map(DeclaredStack::rootCause).distinct().toList();
            if (causes.size() != 1) {
                throw new AssertionError("expected the program to fail for one reason, got " + result.exceptions());
            }
            var declared = recorder.resources().stream().filter(r -> !r.type().equals(STACK))
                    .map(r -> r.type() + "::" + r.name()).toList();
            if (!declared.isEmpty()) {
                throw new AssertionError("the program declared resources before failing: " + declared);
            }
            return causes.get(0);
        } finally {
            PulumiTest.cleanup();
        }
    }

    private static Throwable rootCause(Throwable e) {
        return e.getCause() == null ? e : rootCause(e.getCause());
    }

    private static TestResult run(ClusterConfig config, ClusterProbe probe, StrictMocks mocks,
                                  DeclarationRecorder recorder) {
        var options = TestOptions.builder()
                .projectName(config.project())
                .stackName(config.stack())
                .preview(false)
                .resourceTransformations(List.of(recorder))
                .build();
        return PulumiTest.withMocks(mocks).withOptions(options).runTest(ctx -> App.declare(ctx, config, probe));
    }

    public List<DeclaredResource> resources() {
        return resources;
    }

    public List<DeclaredResource> ofType(String type) {
        return resources.stream().filter(r -> r.type().equals(type)).toList();
    }

    public DeclaredResource find(Predicate<DeclaredResource> predicate, String whatIsMissing) {
        return resources.stream().filter(predicate).findFirst()
                .orElseThrow(() -> new NoSuchElementException(whatIsMissing + " in " + names()));
    }

    public List<String> names() {
        return resources.stream().map(DeclaredResource::name).toList();
    }

    /** Logical names in the order the engine's creation callbacks ran. */
    public List<String> creationOrder() {
        return creationOrder;
    }

    /** A stack output's value (blocking; tests only). */
    public Object outputValue(String name) {
        Output<?> output = outputs.get(name);
        if (output == null) {
            throw new NoSuchElementException("no stack output " + name + " in " + outputs.keySet());
        }
        return Internal.of(output).getValueNullable().join();
    }

    public boolean hasOutput(String name) {
        return outputs.containsKey(name);
    }

    public boolean outputIsSecret(String name) {
        return Internal.of(outputs.get(name)).isSecret().join();
    }
}
