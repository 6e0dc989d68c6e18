package dev.pgcluster.config;

import java.util.List;

/**
 * Stack config that cannot be used. Thrown before any resource is declared; the message lists
 * every problem, each naming the key, the value and what is allowed.
 */
public class ConfigException extends RuntimeException {
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
