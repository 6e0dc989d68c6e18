package dev.pgcluster.topology;

/**
 * The cluster on Docker is in a state that config does not describe and that {@code pulumi up}
 * must not resolve on its own (a node promoted by hand, several writable nodes, a stopped
 * primary). Thrown before any resource is declared; the message says what was found and what to do.
 */
public class ClusterStateException extends RuntimeException {
    public ClusterStateException(String message) {
        super("pg-cluster: " + message);
    }
}
