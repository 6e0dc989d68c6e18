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
 * Marks a test class of the real-Docker layer. Without the Pulumi CLI, a Docker engine and the
 * test image the class fails with what is missing and how to get it: a skipped layer counted as
 * passing would read as "all passed". Only an explicit {@code -D}{@value #SKIP_PROPERTY}{@code =true}
 * skips it (never in CI, {@code CI=true}), with one line saying so.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresDocker.Condition.class)
public @interface RequiresDocker {
    /** The system property (a Maven {@code -D} option) that skips the real-engine layer on purpose. */
    String SKIP_PROPERTY = "realEngine.skip";

    /** What the layer does when something it needs is missing. */
    final class Gate {
        private Gate() {
        }

        /**
         * What to do when something the layer needs is missing: fail with how to get it, or skip
         * with one line when the run said so (never in CI).
         */
        static RuntimeException missing(String what) {
            return missing(what, "true".equals(System.getenv("CI")));
        }

        static RuntimeException missing(String what, boolean ci) {
            if (ci) {
                return new IllegalStateException("real-engine tests are required in CI, but " + what);
            }
            return new IllegalStateException("real-engine tests cannot run: " + what + ". `sh .ci/run` installs and"
                    + " starts everything they need and runs the whole suite (as root, on a machine you can give it);"
                    + " to run without this layer, say so: mvn -B verify -D" + SKIP_PROPERTY + "=true");
        }

        /** True when the run asked to skip the real-engine layer (and is not CI). */
        static boolean skipped() {
            return skipped(System.getProperty(SKIP_PROPERTY), "true".equals(System.getenv("CI")));
        }

        static boolean skipped(String property, boolean ci) {
            return "true".equals(property) && !ci;
        }
    }

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
                if (Gate.skipped()) {
                    String reason = "real-engine tests SKIPPED (-D" + SKIP_PROPERTY + "=true): " + missing;
                    System.err.println(reason);
                    return ConditionEvaluationResult.disabled(reason);
                }
                throw Gate.missing(missing);
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
