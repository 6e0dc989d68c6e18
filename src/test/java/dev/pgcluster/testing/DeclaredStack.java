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
    private final List<DeclaredResource> resources;
    private final List<String> creationOrder;
    private final Map<String, Output<?>> outputs;

    private DeclaredStack(List<DeclaredResource> resources, List<String> creationOrder, Map<String, Output<?>> outputs) {
        this.resources = resources;
        this.creationOrder = creationOrder;
        this.outputs = outputs;
    }

    /** Runs {@link App#declare} for {@code config}; fails the test if the program reported errors. */
    public static DeclaredStack of(ClusterConfig config) {
        var mocks = new StrictMocks();
        var recorder = new DeclarationRecorder();
        var options = TestOptions.builder()
                .projectName(config.project())
                .stackName(config.stack())
                .preview(false)
                .resourceTransformations(List.of(recorder))
                .build();
        try {
            TestResult result = PulumiTest.withMocks(mocks).withOptions(options).runTest(ctx -> App.declare(ctx, config, ClusterProbe.NONE));
            if (!result.errors().isEmpty() || !result.exceptions().isEmpty()) {
                throw new AssertionError("the program failed: " + result.errors() + " " + result.exceptions());
            }
            return new DeclaredStack(recorder.resources(), mocks.creationOrder(), result.outputs());
        } finally {
            PulumiTest.cleanup();
        }
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

    public boolean outputIsSecret(String name) {
        return Internal.of(outputs.get(name)).isSecret().join();
    }
}
