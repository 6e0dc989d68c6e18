package dev.pgcluster.realdocker;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a test class of the real-Docker layer. Without the Pulumi CLI, a Docker engine and the test image the
 * class is skipped with one line saying why — except in CI ({@code CI=true}), where that is a
 * failure: CI must run this layer.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresDocker.Condition.class)
public @interface RequiresDocker {

    final class Condition implements ExecutionCondition {
        private static void deleteRecursively(java.nio.file.Path root) {
            if (!java.nio.file.Files.exists(root)) {
                return;
            }
            try (var paths = java.nio.file.Files.walk(root)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private static volatile Boolean cleaned;

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            String missing = null;
            if (Engine.cli().isEmpty()) {
                missing = "no pulumi CLI on PATH (build it: PATH=\"$(sh tools/pulumi/build.sh | tail -n 1):$PATH\")";
            } else if (!Docker.available()) {
                missing = "no Docker engine answers `docker info`";
            } else if (!Docker.imagePresent(TestImage.reference())) {
                missing = "image " + TestImage.reference() + " is missing (build it: sh src/test/image/build.sh)";
            }
            if (missing != null) {
                if ("true".equals(System.getenv("CI"))) {
                    throw new IllegalStateException("real-Docker tests are required in CI, but " + missing);
                }
                String reason = "real-Docker tests skipped: " + missing;
                System.err.println(reason);
                return ConditionEvaluationResult.disabled(reason);
            }
            removeLeftoversOnce();
            return ConditionEvaluationResult.enabled("Docker engine and " + TestImage.reference() + " present");
        }

        private static synchronized void removeLeftoversOnce() {
            if (cleaned == null) {
                Docker.removeLeftovers();
                // The state of earlier runs' test stacks describes objects just removed.
                deleteRecursively(Engine.ROOT);
                cleaned = true;
            }
        }
    }
}
