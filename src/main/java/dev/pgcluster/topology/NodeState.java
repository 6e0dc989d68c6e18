package dev.pgcluster.topology;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node's container and server say about the node right now.
 *
 * @param node       the node name
 * @param container  the container's state: {@code missing}, {@code running}, {@code exited}, …
 * @param server     what the server answered, when it is running and answered; for a stopped
 *                   node, what its data says ({@code inRecovery}: it would start as a standby)
 * @param unanswered why a running node's server gave no answer ("" when it answered)
 */
public record NodeState(String node, String container, Optional<Server> server, String unanswered) {
    public NodeState {
        Objects.requireNonNull(node);
        Objects.requireNonNull(container);
        Objects.requireNonNull(server);
        Objects.requireNonNull(unanswered);
    }

    public NodeState(String node, String container, Optional<Server> server) {
        this(node, container, server, "");
    }

    /**
     * @param inRecovery a standby (or a server still recovering)
     * @param timeline   the timeline a writable server writes on (0 for a standby)
     * @param follows    the host in a standby's {@code primary_conninfo} ("" for none)
     * @param received   a standby's WAL received (or replayed) so far, a writable server's WAL
     *                   written, as an LSN ("" when not known)
     * @param senders    a writable server's WAL senders: standby name → "state lag-in-bytes" (lag
     *                   -1 when not known yet)
     * @param lostSlots  a writable server's replication slots that were invalidated (wal_status
     *                   "lost"): they hold no WAL for their standby any more
     */
    public record Server(boolean inRecovery, int timeline, String follows, String received,
                         Map<String, String> senders, List<String> lostSlots) {
        public Server {
            Objects.requireNonNull(follows);
            Objects.requireNonNull(received);
            senders = Map.copyOf(senders);
            lostSlots = List.copyOf(lostSlots);
        }

        public Server(boolean inRecovery, int timeline, String follows, String received, Map<String, String> senders) {
            this(inRecovery, timeline, follows, received, senders, List.of());
        }

        public Server(boolean inRecovery, int timeline, String follows) {
            this(inRecovery, timeline, follows, "", Map.of());
        }

        /** {@link #received} as a number, for comparing; -1 when not known. */
        public long receivedPosition() {
            String[] parts = received.split("/");
            return parts.length == 2 ? (Long.parseLong(parts[0], 16) << 32) + Long.parseLong(parts[1], 16) : -1;
        }
    }

    public static NodeState missing(String node) {
        return new NodeState(node, "missing", Optional.empty());
    }

    /**
     * True when every host answered that its node has no container: only "missing", as a host
     * that could not be asked says nothing. A new stack (with no node, true: nothing runs).
     */
    public static boolean allMissing(List<NodeState> states) {
        return states.stream().allMatch(state -> state.container().equals("missing"));
    }

    public boolean exists() {
        return !container.equals("missing") && !unreachable();
    }

    public boolean running() {
        return container.equals("running");
    }

    /** Running, and accepts writes. */
    public boolean writable() {
        return running() && server.map(s -> !s.inRecovery()).orElse(false);
    }

    /** Running, and a standby. */
    public boolean standby() {
        return running() && server.map(Server::inRecovery).orElse(false);
    }

    /** Stopped, and its data would start as a primary (no standby.signal). */
    public boolean stoppedAsPrimary() {
        return exists() && !running() && server.map(s -> !s.inRecovery()).orElse(false);
    }

    /**
     * Its container neither runs nor is stopped (paused, restarting, removing, dead, or a state
     * Docker could not tell): it may still hold its server, or be started again any moment, so it
     * is never taken for stopped.
     */
    public boolean unsettled() {
        return exists() && !running() && !container.equals("exited") && !container.equals("created");
    }

    /** The Docker host could not be asked: nothing is known about the node. */
    public boolean unreachable() {
        return container.equals("unreachable");
    }
}
