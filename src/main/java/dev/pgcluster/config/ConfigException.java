package dev.pgcluster.config;

import com.pulumi.exceptions.RunException;
import java.util.List;

/**
 * Stack config that cannot be used. Thrown before any resource is declared; the message lists
 * every problem, each naming the key, the value and what is allowed. A {@link RunException}: the
 * Pulumi SDK reports it as the error it is, without a Java stack trace.
 */
public class ConfigException extends RunException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(problems.size() == 1
                ? "invalid pg-cluster config: " + problems.get(0)
                : "invalid pg-cluster config:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
