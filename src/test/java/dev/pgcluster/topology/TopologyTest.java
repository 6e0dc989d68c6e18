package dev.pgcluster.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.testing.TestConfigs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The split-brain guard: what the nodes on Docker are now, against config. Either nothing to do,
 * a finding the primary step resolves, or a refusal that says what was found and what to do.
 */
class TopologyTest {
    private static final String PG0 = "pg-cluster-test-pg0";
    private static final String PG1 = "pg-cluster-test-pg1";

    /** Three nodes; {@code pg-cluster:primary} is {@code primary}. */
    private static ClusterConfig primary(String primary, String... more) {
        var keyValues = new ArrayList<>(List.of("replicas", "2", "primary", primary));
        keyValues.addAll(List.of(more));
        return TestConfigs.config("test", keyValues.toArray(String[]::new));
    }

    private static NodeState writable(String node, int timeline) {
        return new NodeState(node, "running", Optional.of(new NodeState.Server(false, timeline, "")));
    }

    private static NodeState standby(String node, String follows) {
        return new NodeState(node, "running", Optional.of(new NodeState.Server(true, 0, follows)));
    }

    private static NodeState stopped(String node) {
        return new NodeState(node, "exited", Optional.empty());
    }

    private static NodeState notAnswering(String node) {
        return new NodeState(node, "running", Optional.empty());
    }

    private static String refusal(ClusterConfig config, NodeState... states) {
        var e = assertThrows(ClusterStateException.class, () -> Topology.check(config, List.of(states)));
        assertTrue(e.getMessage().startsWith("pg-cluster: "), e.getMessage());
        assertTrue(e.getMessage().contains("Nothing was changed."), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aNewStackHasNothingToCompare() {
        ClusterConfig config = primary("pg1");
        assertEquals(Optional.empty(), Topology.check(config, ClusterProbe.NONE.observe(config)));
    }

    @Test
    void aClusterAsConfiguredNeedsNothing() {
        assertEquals(Optional.empty(), Topology.check(primary("pg0"),
                List.of(writable("pg0", 1), standby("pg1", PG0), standby("pg2", PG0))));
    }

    @Test
    void aStandbyFollowingAnotherNodeIsRepointed() {
        assertEquals(Optional.of("pg2 streams from pg-cluster-test-pg1, not from pg0"), Topology.check(primary("pg0"),
                List.of(writable("pg0", 1), standby("pg1", PG0), standby("pg2", PG1))));
        assertEquals(Optional.of("pg1 streams from no primary, not from pg0"), Topology.check(primary("pg0"),
                List.of(writable("pg0", 1), standby("pg1", ""), standby("pg2", PG0))));
    }

    /**
     * A paused primary holds its server and accepts writes again once unpaused; a restarting one is
     * being started by Docker: neither is stopped, and no other node is made the primary.
     */
    @Test
    void aPausedOrRestartingNodeIsNeverTakenForStopped() {
        for (String state : List.of("paused", "restarting", "removing", "dead")) {
            String message = refusal(primary("pg1"), new NodeState("pg0", state, Optional.empty()), standby("pg1", PG0),
                    standby("pg2", PG0));
            assertTrue(message.contains("refusing to make pg1 the primary: pg0 is " + state + ", neither running nor stopped"),
                    message);
            assertTrue(message.contains("docker unpause"), message);
        }
        // A paused standby stops no switchover plan of its own: it is never rewound either.
        assertTrue(refusal(primary("pg1"), writable("pg0", 1), standby("pg1", PG0),
                new NodeState("pg2", "paused", Optional.empty())).contains("pg2 is paused"));
        // With the configured primary writable, nothing changes roles: a paused standby is left alone.
        assertEquals(Optional.empty(), Topology.check(primary("pg0"),
                List.of(writable("pg0", 1), standby("pg1", PG0), new NodeState("pg2", "paused", Optional.empty()))));
    }

    /**
     * Under "any 1" of two standbys a commit was acknowledged by one of them: only when both can be
     * compared (running, or stopped with their WAL on their volume) is the target known to hold
     * every acknowledged commit.
     */
    @Test
    void aSynchronousFailoverNeedsEnoughStandbysCompared() {
        ClusterConfig anyOne = primary("pg1", "synchronous", "any 1");
        var oldPrimary = new NodeState("pg0", "exited", Optional.of(new NodeState.Server(false, 0, "")));
        String message = refusal(anyOne, oldPrimary, standbyAt("pg1", "0/5000000"), new NodeState("pg2", "unreachable", Optional.empty()));
        assertTrue(message.contains("refusing to fail over to pg1: with synchronous replication of 1 of 2 standbys, 2 of them must"
                + " be compared to know which holds every acknowledged commit, and only 1 can be (pg1; not pg2)"), message);
        var stoppedStandby = new NodeState("pg2", "exited", Optional.of(new NodeState.Server(true, 0, "")));
        assertEquals(Optional.of("failover: no node accepts writes, pg1 is a standby"),
                Topology.check(anyOne, List.of(oldPrimary, standbyAt("pg1", "0/5000000"), stoppedStandby)));
        assertTrue(message.contains("pulumi config set pg-cluster:acceptDataLoss pg2@unknown:0/5000000,"), message);
        var unreachable = List.of(oldPrimary, standbyAt("pg1", "0/5000000"), new NodeState("pg2", "unreachable", Optional.empty()));
        assertEquals(Optional.of("failover: no node accepts writes, pg1 is a standby; acceptDataLoss pg2@unknown:0/5000000"),
                Topology.check(primary("pg1", "synchronous", "any 1", "acceptDataLoss", "pg2@unknown:0/5000000"), unreachable));
        // Consent for another node keeps its place in the command; the node found is added.
        String other = refusal(primary("pg1", "synchronous", "any 1", "acceptDataLoss", "pg0@0/4000000"),
                unreachable.toArray(NodeState[]::new));
        assertTrue(other.contains("pulumi config set pg-cluster:acceptDataLoss pg0@0/4000000,pg2@unknown:0/5000000"
                + " (pg-cluster:acceptDataLoss = \"pg0@0/4000000\" does not name pg2@unknown:0/5000000)"), other);
        // Consent for an unknown standby from an earlier incident (another target position) does not apply.
        String earlier = refusal(primary("pg1", "synchronous", "any 1", "acceptDataLoss", "pg2@unknown:0/4000000"),
                unreachable.toArray(NodeState[]::new));
        assertTrue(earlier.contains("does not name pg2@unknown:0/5000000"), earlier);
    }

    /** A primary whose WAL senders report each standby's state and replay lag. */
    private static NodeState primaryWithSenders(String node, Map<String, String> senders) {
        return new NodeState(node, "running", Optional.of(new NodeState.Server(false, 1, "", "0/5000000", senders)));
    }

    private static NodeState standbyAt(String node, String received) {
        return new NodeState(node, "running", Optional.of(new NodeState.Server(true, 0, PG0, received, Map.of())));
    }

    @Test
    void aPlannedSwitchoverIsFoundWhenConfigNamesAStandbyThatIsCaughtUp() {
        assertEquals(Optional.of("switchover: pg0 is the primary, pg1 is a standby 1024 bytes behind"),
                Topology.check(primary("pg1"), List.of(
                        primaryWithSenders("pg0", Map.of("pg1", "streaming 1024", "pg2", "streaming 0")),
                        standby("pg1", PG0), standby("pg2", PG0))));
    }

    /** Refused before anything is declared: the target must stream and be at most the bound behind. */
    @Test
    void refusesASwitchoverToALaggingOrUnconnectedStandby() {
        String lagging = refusal(primary("pg1"), primaryWithSenders("pg0", Map.of("pg1", "streaming 16777217")),
                standby("pg1", PG0), standby("pg2", PG0));
        assertTrue(lagging.contains("refusing to switch over to pg1: it is streaming and 16777217 bytes behind pg0"
                + " (at most 16777216 allowed)"), lagging);
        String catchingUp = refusal(primary("pg1"), primaryWithSenders("pg0", Map.of("pg1", "catchup -1")),
                standby("pg1", PG0), standby("pg2", PG0));
        assertTrue(catchingUp.contains("it is catchup and -1 bytes behind pg0"), catchingUp);
        String unconnected = refusal(primary("pg1"), primaryWithSenders("pg0", Map.of("pg2", "streaming 0")),
                standby("pg1", PG0), standby("pg2", PG0));
        assertTrue(unconnected.contains("refusing to switch over to pg1: it is not connected to the primary pg0"),
                unconnected);
    }

    @Test
    void aFailoverIsFoundWhenNoNodeIsWritableAndConfigNamesTheMostAdvancedStandby() {
        assertEquals(Optional.of("failover: no node accepts writes, pg1 is a standby"), Topology.check(primary("pg1"),
                List.of(stopped("pg0"), standbyAt("pg1", "0/3000100"), standbyAt("pg2", "0/3000100"))));
    }

    /** Another standby received more: promoting this one would lose what only that one has. */
    @Test
    void refusesAFailoverToALessAdvancedStandbyUnlessDataLossIsAccepted() {
        String message = refusal(primary("pg1"), stopped("pg0"), standbyAt("pg1", "0/3000100"),
                standbyAt("pg2", "0/30001A0"));
        assertTrue(message.contains("refusing to fail over to pg1 (received up to 0/3000100): other standbys have"
                + " received more WAL: pg2 (received up to 0/30001A0)"), message);
        assertTrue(message.contains("consent for one pulumi up: pulumi config set pg-cluster:acceptDataLoss pg2@0/30001A0,"
                + " then remove it again"), message);
        var states = List.of(stopped("pg0"), standbyAt("pg1", "0/3000100"), standbyAt("pg2", "0/30001A0"));
        assertEquals(Optional.of("failover: no node accepts writes, pg1 is a standby; acceptDataLoss pg2@0/30001A0"),
                Topology.check(primary("pg1", "acceptDataLoss", "pg2@0/30001a0"), states));
        // Consent to another position (left from an earlier incident) does not apply.
        String stale = refusal(primary("pg1", "acceptDataLoss", "pg2@0/3000180"), states.toArray(NodeState[]::new));
        assertTrue(stale.contains("pulumi config set pg-cluster:acceptDataLoss pg2@0/30001A0 (pg-cluster:acceptDataLoss"
                + " = \"pg2@0/3000180\" does not name pg2@0/30001A0)"), stale);
    }

    /** A node promoted by hand while the configured primary is down: config must say so first. */
    @Test
    void refusesWhenTheConfiguredPrimaryIsStoppedAndAnotherNodeIsWritable() {
        String message = refusal(primary("pg0"), stopped("pg0"), writable("pg1", 2), standby("pg2", PG1));
        assertTrue(message.contains("the configured primary pg0 is exited"), message);
        assertTrue(message.contains("pg1 accepts writes (timeline 2)"), message);
        assertTrue(message.contains("pulumi config set pg-cluster:primary pg1"), message);
    }

    @Test
    void refusesWhenNoNodeIsWritableAndTheConfiguredPrimaryIsStopped() {
        String message = refusal(primary("pg0"), stopped("pg0"), standby("pg1", PG0), standby("pg2", PG0));
        assertTrue(message.contains("no node accepts writes: the configured primary pg0 is exited"), message);
        assertTrue(message.contains("docker start pg-cluster-test-pg0"), message);
        assertTrue(message.contains("fail over to a running standby (pg1, pg2)"), message);
        assertTrue(message.contains("pulumi config set pg-cluster:primary <node>"), message);
    }

    @Test
    void saysSoWhenNoStandbyIsRunningToFailOverTo() {
        String message = refusal(primary("pg0"), stopped("pg0"), stopped("pg1"), NodeState.missing("pg2"));
        assertTrue(message.contains("fail over to a running standby (none is running)"), message);
    }

    @Test
    void refusesToPromoteAThirdNodeWhenSeveralAreWritable() {
        String message = refusal(primary("pg2"), writable("pg0", 2), writable("pg1", 2), standby("pg2", PG0));
        assertTrue(message.contains("several nodes accept writes (pg0, pg1)"), message);
        assertTrue(message.contains("refusing to promote pg2"), message);
    }

    /**
     * Another node accepts writes beside the configured primary: an old primary back after a
     * failover (older timeline) or a node promoted by hand (same or newer). Rewinding it would
     * discard what clients wrote to it, and it goes on writing: refused, with both ways out; once it
     * is stopped, the primary step reads where its WAL ends and asks for consent to that.
     */
    @Test
    void refusesAnotherWritableNodeUntilItIsStopped() {
        for (int theirs : List.of(1, 2, 3)) {
            String message = refusal(primary("pg1"), writable("pg0", theirs), writable("pg1", 2), standby("pg2", PG1));
            assertTrue(message.contains("pg0 accepts writes too, on timeline " + theirs
                    + ", beside the configured primary pg1 (timeline 2)"), message);
            assertTrue(message.contains(theirs < 2 ? "an old primary that came back after a failover"
                    : "was promoted outside pg-cluster"), message);
            assertTrue(message.contains("pulumi config set pg-cluster:primary pg0"), message);
            assertTrue(message.contains("docker stop pg-cluster-test-pg0"), message);
            assertTrue(message.contains("rewinds it only with pg-cluster:acceptDataLoss naming that position"), message);
            // No consent covers a node that goes on writing: it is stopped first.
            String consented = refusal(primary("pg1", "acceptDataLoss", "pg0@0/5000000"), writable("pg0", theirs),
                    writable("pg1", 2), standby("pg2", PG1));
            assertTrue(consented.contains("pg0 accepts writes too"), consented);
        }
    }

    /** A stopped node whose data would start as a primary (no standby.signal): the step configures it. */
    @Test
    void aStoppedNodeThatWouldStartAsAPrimaryIsFound() {
        var oldPrimary = new NodeState("pg0", "exited", Optional.of(new NodeState.Server(false, 0, "")));
        var stoppedStandby = new NodeState("pg2", "exited", Optional.of(new NodeState.Server(true, 0, "")));
        assertEquals(Optional.of("pg0 is exited and would start as a second primary: it is rewound and"
                        + " started as a standby"),
                Topology.check(primary("pg1"), List.of(oldPrimary, writable("pg1", 2), stoppedStandby)));
    }

    /** Docker cannot be asked about the configured primary: nothing to decide; the run fails where it needs Docker. */
    @Test
    void anUnreachableDockerHostDecidesNothing() {
        var unreachable = new NodeState("pg0", "unreachable", Optional.empty());
        assertEquals(Optional.empty(), Topology.check(primary("pg0"),
                List.of(unreachable, new NodeState("pg1", "unreachable", Optional.empty()),
                        new NodeState("pg2", "unreachable", Optional.empty()))));
        assertEquals(Optional.empty(), Topology.check(primary("pg0"),
                List.of(unreachable, standby("pg1", PG0), standby("pg2", PG0))));
    }

    @Test
    void refusesAPrimaryThatHasNoContainerYetWhileOthersExist() {
        String message = refusal(primary("pg2"), writable("pg0", 1), standby("pg1", PG0), NodeState.missing("pg2"));
        assertTrue(message.contains("pg-cluster:primary = \"pg2\" names a node that has no container yet"), message);
        assertTrue(message.contains("raise pg-cluster:replicas"), message);
    }

    /** Starting or recovering: its readiness step waits, nothing to decide yet. */
    @Test
    void aConfiguredPrimaryThatDoesNotAnswerYetIsLeftToItsReadinessStep() {
        assertEquals(Optional.empty(), Topology.check(primary("pg0"),
                List.of(notAnswering("pg0"), standby("pg1", PG0), standby("pg2", PG0))));
    }

    /** A lost slot on the primary: a warning naming the standby and the one command that re-seeds it. */
    @Test
    void aLostSlotIsReportedWithTheCommandThatSeedsItsStandbyAfresh() {
        var primary = new NodeState("pg0", "running", Optional.of(new NodeState.Server(false, 1, "", "0/9000000",
                Map.of("pg1", "streaming 0"), List.of("pg2"))));
        assertEquals(List.of("the replication slot of pg2 on pg0 is lost: it passed pg-cluster:maxSlotWalKeepSize (1GB)"
                        + " while pg2 was away, and holds no WAL for it any more; pg2 cannot catch up by streaming."
                        + " Seed it afresh (its data is replaced by a new base backup): pulumi up --replace"
                        + " 'urn:pulumi:test::pg-cluster::pgcluster:index:PostgresCluster$pgcluster:index:PostgresNode"
                        + "$docker:index/volume:Volume::pg-cluster-test-pg2-data'"),
                Topology.lostSlotWarnings(primary("pg0"), List.of(primary, standby("pg1", PG0), standby("pg2", PG0))));
        assertEquals(List.of(), Topology.lostSlotWarnings(primary("pg0"),
                List.of(writable("pg0", 1), standby("pg1", PG0), standby("pg2", PG0))));
    }
}
