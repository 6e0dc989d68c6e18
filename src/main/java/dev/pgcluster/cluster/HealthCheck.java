package dev.pgcluster.cluster;

import com.pulumi.docker.inputs.ContainerHealthcheckArgs;
import java.util.List;
import java.util.Map;

/**
 * A container's health check, declared once: the provider's arguments and the value of its
 * {@link Labels#HEALTHCHECK} label come from the same fields. The docker provider 4.5.1
 * (Terraform docker provider v3.0.2) neither replaces a container for a changed health check nor
 * changes it in place; labels are never read back and force a new container, so every field that
 * reaches Docker is in the label.
 *
 * @param test        {@code ["CMD-SHELL", script]} or {@code ["CMD", argv...]}
 * @param interval    Go duration as Docker reads it back ({@code "2s"}, not {@code "2000ms"})
 * @param timeout     Go duration
 * @param retries     failures in a row before unhealthy
 * @param startPeriod Go duration ({@code "0s"}: none)
 */
public record HealthCheck(List<String> test, String interval, String timeout, int retries, String startPeriod) {
    public HealthCheck {
        test = List.copyOf(test);
        if (test.size() < 2 || !(test.get(0).equals("CMD-SHELL") && test.size() == 2 || test.get(0).equals("CMD"))) {
            throw new IllegalArgumentException("a health check is [CMD-SHELL, script] or [CMD, argv...]: " + test);
        }
    }

    public ContainerHealthcheckArgs args() {
        return ContainerHealthcheckArgs.builder().tests(test).interval(interval).timeout(timeout).retries(retries)
                .startPeriod(startPeriod).build();
    }

    /** The label value: the timings as declared and a digest of the test (the script, or the argv after CMD). */
    public String label() {
        String command = test.get(0).equals("CMD-SHELL") ? test.get(1) : String.join(" ", test.subList(1, test.size()));
        return "interval " + interval + ", timeout " + timeout + ", retries " + retries + ", start period " + startPeriod
                + ", test sha256:" + Labels.sha256Prefix(command);
    }

    /** The {@link Labels#TMPFS} label value of a container's tmpfs mounts, in their declared order. */
    public static String tmpfsLabel(Map<String, Object> tmpfs) {
        return String.join("; ", tmpfs.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList());
    }
}
