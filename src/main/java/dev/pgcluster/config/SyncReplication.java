package dev.pgcluster.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Synchronous replication: off, or {@code FIRST n} / {@code ANY n} over the replica names.
 *
 * @param method            OFF, FIRST (priority) or ANY (quorum)
 * @param count             how many standbys must confirm a commit (0 when off)
 * @param synchronousCommit the primary's {@code synchronous_commit} level
 */
public record SyncReplication(Method method, int count, String synchronousCommit) {
    public enum Method { OFF, FIRST, ANY }

    public static final SyncReplication OFF = new SyncReplication(Method.OFF, 0, "on");

    public SyncReplication {
        Objects.requireNonNull(method);
        Objects.requireNonNull(synchronousCommit);
    }

    public boolean enabled() {
        return method != Method.OFF;
    }

    /**
     * The {@code synchronous_standby_names} value naming these nodes, or empty when off. Every node
     * of the cluster is named: a primary never counts itself, so the value holds whichever node is
     * the primary.
     */
    public Optional<String> standbyNames(List<String> nodeNames) {
        if (!enabled() || nodeNames.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(method.name() + " " + count + " (" + String.join(",", nodeNames) + ")");
    }

    /** A short human description, exported as {@code replicationMode}. */
    public String describe(List<String> nodeNames) {
        return standbyNames(nodeNames)
                .map(names -> "synchronous: " + names + ", synchronous_commit=" + synchronousCommit)
                .orElse("asynchronous");
    }
}
