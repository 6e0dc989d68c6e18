package dev.pgcluster.topology;

import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.DataLossConsent;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Compares the roles the nodes have now with config, before anything is declared: the split-brain
 * guard. Either the cluster is as configured, or the difference is one {@code pulumi up} resolves
 * (a switchover, a failover, an old primary back after a failover, a standby that follows another
 * node), or it is refused with what was found and what to do.
 */
public final class Topology {
    /** How far behind the primary a switchover target may be. */
    public static final long SWITCHOVER_MAX_LAG_BYTES = 16L * 1024 * 1024;

    private Topology() {
    }

    /**
     * @return what differs from config and the {@code primary} step will resolve, or empty when
     *         the cluster is as configured (or not created yet)
     * @throws ClusterStateException when resolving it would risk a second writable primary or data
     */
    public static Optional<String> check(ClusterConfig config, List<NodeState> states) {
        String primary = config.primary().name();
        NodeState target = states.stream().filter(s -> s.node().equals(primary)).findFirst()
                .orElse(NodeState.missing(primary));
        List<NodeState> writable = states.stream().filter(NodeState::writable).toList();
        List<NodeState> others = writable.stream().filter(s -> !s.node().equals(primary)).toList();
        if (states.stream().noneMatch(NodeState::exists) || target.unreachable()) {
            // A new stack, or nothing can be asked: the run fails where it needs Docker.
            return Optional.empty();
        }
        if (target.writable()) {
            int timeline = target.server().orElseThrow().timeline();
            var found = new StringBuilder();
            for (NodeState other : others) {
                // Rewinding a node that accepts writes discards what it wrote after the fork, which
                // clients may have had acknowledged, and what it writes goes on growing: it is
                // stopped first, then the primary step reads where its WAL ends and asks for
                // consent naming that position.
                int theirs = other.server().orElseThrow().timeline();
                throw new ClusterStateException(other.node() + " accepts writes too, on timeline " + theirs
                        + ", beside the configured primary " + primary + " (timeline " + timeline + "): "
                        + (theirs < timeline
                                ? other.node() + " is an old primary that came back after a failover."
                                : other.node() + " was promoted outside pg-cluster.")
                        + " Nothing was changed. If " + other.node() + " should be the primary: pulumi config set"
                        + " pg-cluster:primary " + other.node() + " and stop " + primary + ". To keep " + primary
                        + ": stop " + other.node() + " (docker stop " + config.containerName(other.node())
                        + ") and run pulumi up. It is rewound and rejoins as a standby; if it holds WAL that " + primary
                        + " never had (what it wrote on its own), that run names the position where its WAL ends and"
                        + " rewinds it only with pg-cluster:acceptDataLoss naming that position.");
            }
            for (NodeState standby : states) {
                if (standby.standby() && !standby.server().orElseThrow().follows().equals(config.peerHost(primary))) {
                    String follows = standby.server().orElseThrow().follows();
                    append(found, standby.node() + " streams from " + (follows.isEmpty() ? "no primary" : follows)
                            + ", not from " + primary);
                }
            }
            for (NodeState stopped : states) {
                if (stopped.stoppedAsPrimary()) {
                    append(found, stopped.node() + " is " + stopped.container() + " and would start as a second"
                            + " primary: it is rewound and started as a standby");
                }
            }
            return found.isEmpty() ? Optional.empty() : Optional.of(found.toString());
        }
        List<NodeState> unsettled = states.stream().filter(NodeState::unsettled).toList();
        if (!unsettled.isEmpty()) {
            // Making another node the primary while one of these may still write (a paused
            // primary accepts writes again once unpaused) or is being started by Docker would risk
            // two writable nodes, or a rewind of data a server still holds.
            throw new ClusterStateException("refusing to make " + primary + " the primary: "
                    + unsettled.stream().map(s -> s.node() + " is " + s.container()).collect(Collectors.joining(", "))
                    + ", neither running nor stopped. A paused node holds its server and accepts writes once unpaused;"
                    + " a restarting one is being started again by Docker. Nothing was changed. Unpause it (docker"
                    + " unpause), or stop it for good (docker stop), and run pulumi up again.");
        }
        if (!target.exists()) {
            throw new ClusterStateException("pg-cluster:primary = \"" + primary + "\" names a node that has no container"
                    + " yet. Nothing was changed. Add the node first (raise pg-cluster:replicas and run pulumi up), then"
                    + " switch over to it.");
        }
        if (!target.running()) {
            if (!writable.isEmpty()) {
                NodeState other = writable.get(0);
                throw new ClusterStateException("the configured primary " + primary + " is " + target.container()
                        + ", and " + names(writable) + " accepts writes (timeline " + other.server().orElseThrow().timeline()
                        + "). Nothing was changed. If " + other.node() + " is the primary (it was, or it was promoted"
                        + " outside pg-cluster), make config say so: pulumi config set pg-cluster:primary " + other.node()
                        + ". A switchover to " + primary + " needs it running: docker start " + config.containerName(primary)
                        + ", then pulumi up.");
            }
            List<String> standbys = states.stream().filter(NodeState::standby).map(NodeState::node).toList();
            String unanswered = states.stream().filter(s -> s.running() && s.server().isEmpty())
                    .map(s -> " " + s.node() + " runs but did not answer (" + s.unanswered() + ").")
                    .collect(Collectors.joining());
            throw new ClusterStateException("no node accepts writes: the configured primary " + primary + " is "
                    + target.container() + "." + unanswered + " Nothing was changed. Start it again (docker start "
                    + config.containerName(primary) + "), or fail over to a running standby"
                    + (standbys.isEmpty() ? " (none is running)" : " (" + String.join(", ", standbys) + ")")
                    + ": pulumi config set pg-cluster:primary <node>, then pulumi up (README: Failover).");
        }
        if (!target.standby()) {
            // Running, but not answering yet (starting or recovering): its readiness step waits.
            return Optional.empty();
        }
        if (writable.size() > 1) {
            throw new ClusterStateException("several nodes accept writes (" + names(writable) + "); refusing to"
                    + " promote " + primary + " as well. Nothing was changed. Decide which one is the primary, set"
                    + " pg-cluster:primary to it and stop the others (docker stop) before pulumi up (README:"
                    + " Troubleshooting).");
        }
        if (writable.size() == 1) {
            NodeState old = writable.get(0);
            String sender = old.server().orElseThrow().senders().get(primary);
            if (sender == null) {
                throw new ClusterStateException("refusing to switch over to " + primary + ": it is not connected to the"
                        + " primary " + old.node() + " (no WAL sender for it). Nothing was changed. Wait until it"
                        + " streams and run pulumi up again.");
            }
            String[] stateAndLag = sender.split(" ");
            long lag = Long.parseLong(stateAndLag[1]);
            if (!stateAndLag[0].equals("streaming") || lag < 0 || lag > SWITCHOVER_MAX_LAG_BYTES) {
                throw new ClusterStateException("refusing to switch over to " + primary + ": it is " + stateAndLag[0]
                        + " and " + lag + " bytes behind " + old.node() + " (at most " + SWITCHOVER_MAX_LAG_BYTES + " allowed)."
                        + " Nothing was changed. Wait until it catches up and run pulumi up again.");
            }
            return Optional.of("switchover: " + old.node() + " is the primary, " + primary + " is a standby "
                    + lag + " bytes behind");
        }
        // Under "any k" or "first k" a commit was acknowledged by k of the N standbys: only when
        // N - k + 1 of them can be compared does the most advanced hold every acknowledged commit.
        // Stopped standbys count: the primary step reads their WAL from their own files.
        var discarded = new TreeMap<String, String>();
        if (config.sync().enabled()) {
            int standbys = config.nodes().size() - 1;
            int required = standbys - config.sync().count() + 1;
            List<NodeState> comparable = states.stream()
                    .filter(s -> s.standby() || (s.exists() && !s.running() && !s.unsettled() && !s.stoppedAsPrimary()))
                    .toList();
            if (comparable.size() < required) {
                List<String> unknown = config.nodeNames().stream()
                        .filter(n -> comparable.stream().noneMatch(s -> s.node().equals(n)))
                        .filter(n -> states.stream().noneMatch(s -> s.node().equals(n) && s.stoppedAsPrimary()))
                        .toList();
                var found = new TreeMap<String, String>();
                // Bound to the position of the standby promoted: an incident of its own.
                unknown.forEach(n -> found.put(n, DataLossConsent.UNKNOWN + ":" + target.server().orElseThrow().received()));
                if (!config.acceptDataLoss().covers(found)) {
                    throw new ClusterStateException("refusing to fail over to " + primary + ": with synchronous replication of "
                            + config.sync().count() + " of " + standbys + " standbys, " + required + " of them must be compared"
                            + " to know which holds every acknowledged commit, and only " + comparable.size() + " can be ("
                            + names(comparable) + "; not " + String.join(", ", unknown.stream().map(n -> n
                                    + (config.lostNodes().contains(n) ? " (on a lost host)" : "")).toList())
                            + "). Nothing was changed. Bring the"
                            + " others back. " + config.acceptDataLoss().ask(found, "fail over without knowing what "
                                    + String.join(", ", unknown) + " hold"));
                }
                discarded.putAll(found);
            }
        }
        long received = target.server().orElseThrow().receivedPosition();
        var ahead = new TreeMap<String, String>();
        states.stream()
                .filter(s -> s.standby() && !s.node().equals(primary)
                        && s.server().orElseThrow().receivedPosition() > received)
                .forEach(s -> ahead.put(s.node(), s.server().orElseThrow().received()));
        if (!ahead.isEmpty()) {
            var found = new TreeMap<>(discarded);
            found.putAll(ahead);
            if (!config.acceptDataLoss().covers(found)) {
                throw new ClusterStateException("refusing to fail over to " + primary + " (received up to "
                        + target.server().orElseThrow().received() + "): other standbys have received more WAL: "
                        + ahead.entrySet().stream().map(e -> e.getKey() + " (received up to " + e.getValue() + ")")
                                .collect(Collectors.joining(", "))
                        + ". Nothing was changed. Promote the most advanced one instead (pulumi config set"
                        + " pg-cluster:primary <node>). " + config.acceptDataLoss().ask(found,
                                "accept losing what only they have"));
            }
            discarded.putAll(ahead);
        }
        if (!discarded.isEmpty()) {
            return Optional.of("failover: no node accepts writes, " + primary + " is a standby; acceptDataLoss "
                    + DataLossConsent.value(discarded));
        }
        return Optional.of("failover: no node accepts writes, " + primary + " is a standby");
    }

    /**
     * One warning per slot the primary lost (wal_status "lost": it passed maxSlotWalKeepSize while
     * its standby was away), with the one command that seeds that standby afresh: a new volume,
     * a base backup through its slot made again, a new container.
     */
    public static List<String> lostSlotWarnings(ClusterConfig config, List<NodeState> states) {
        return states.stream()
                .filter(s -> s.writable() && s.node().equals(config.primary().name()))
                .flatMap(s -> s.server().orElseThrow().lostSlots().stream())
                .filter(slot -> config.nodeNames().contains(slot))
                .map(slot -> "the replication slot of " + slot + " on " + config.primary().name() + " is lost: it"
                        + " passed pg-cluster:maxSlotWalKeepSize (" + config.wal().maxSlotWalKeepSize() + ") while " + slot
                        + " was away, and holds no WAL for it any more; " + slot + " cannot catch up by streaming."
                        + " Seed it afresh (its data is replaced by a new base backup): pulumi up --replace '"
                        + volumeUrn(config, slot) + "'")
                .toList();
    }

    /**
     * A consent ({@code acceptDataLoss}) left in config when the cluster is as configured and no
     * stopped node would start as a primary: it applies to nothing, and should go before it is
     * forgotten.
     */
    public static Optional<String> unusedConsentWarning(ClusterConfig config, List<NodeState> states,
                                                        Optional<String> found) {
        if (!config.acceptDataLoss().given() || found.isPresent() || states.stream().anyMatch(NodeState::stoppedAsPrimary)) {
            return Optional.empty();
        }
        return Optional.of("pg-cluster:acceptDataLoss = \"" + config.acceptDataLoss() + "\" applies to nothing: the cluster"
                + " is as configured. Remove it: pulumi config rm pg-cluster:acceptDataLoss");
    }

    /** The URN of a node's data volume. */
    static String volumeUrn(ClusterConfig config, String node) {
        return "urn:pulumi:" + config.stack() + "::" + config.project() + "::pgcluster:index:PostgresCluster"
                + "$pgcluster:index:PostgresNode$docker:index/volume:Volume::" + config.containerName(node) + "-data";
    }

    private static void append(StringBuilder found, String text) {
        if (!found.isEmpty()) {
            found.append("; ");
        }
        found.append(text);
    }

    private static String names(List<NodeState> states) {
        return states.stream().map(NodeState::node).collect(Collectors.joining(", "));
    }
}
