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
 * Marks a test class of the real-Docker layer. Without a Docker engine and the test image the
 * class is skipped with one line saying why — except in CI ({@code CI=true}), where that is a
 * failure: CI must run this layer.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresDocker.Condition.class)
public @interface RequiresDocker {

    final class Condition implements ExecutionCondition {
        private static volatile Boolean cleaned;

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            String missing = null;
            if (!Docker.available()) {
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
                cleaned = true;
            }
        }
    }
}
