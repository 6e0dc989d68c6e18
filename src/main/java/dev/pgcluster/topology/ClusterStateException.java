package dev.pgcluster.topology;

import com.pulumi.exceptions.RunException;

/**
 * The cluster on Docker is in a state that config does not describe and that {@code pulumi up}
 * must not resolve on its own (a node promoted by hand, several writable nodes, a stopped
 * primary). Thrown before any resource is declared; the message says what was found and what to do.
 * A {@link RunException}: the Pulumi SDK reports it without a Java stack trace.
 */
public class ClusterStateException extends RunException {
    public ClusterStateException(String message) {
        super("pg-cluster: " + message);
    }
}
