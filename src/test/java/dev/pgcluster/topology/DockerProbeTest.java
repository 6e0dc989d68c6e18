package dev.pgcluster.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the probe makes of a server's answer; the query itself runs in the real-engine tests. */
class DockerProbeTest {

    /** The query asks exactly the six things the parser reads (a select list split at top level). */
    @Test
    void theQueryHasOneColumnPerFieldTheParserReads() {
        int depth = 0;
        int columns = 1;
        boolean quoted = false;
        for (char c : DockerProbe.QUERY.substring("SELECT ".length()).toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                depth++;
            } else if (!quoted && c == ')') {
                depth--;
            } else if (!quoted && depth == 0 && c == ',') {
                columns++;
            }
        }
        assertEquals(6, columns, DockerProbe.QUERY);
    }

    @Test
    void aPrimaryReportsItsTimelineWalAndEachStandbysLag() {
        NodeState state = DockerProbe.answered("pg0", "f|3||0/5042788|pg1:streaming:0,pg2:catchup:-1|pg3\n");
        assertTrue(state.writable());
        var server = state.server().orElseThrow();
        assertEquals(3, server.timeline());
        assertEquals("0/5042788", server.received());
        assertEquals((5L << 24) + 0x42788, server.receivedPosition());
        assertEquals(Map.of("pg1", "streaming 0", "pg2", "catchup -1"), server.senders());
        assertEquals(List.of("pg3"), server.lostSlots());
    }

    @Test
    void aStandbyReportsWhomItFollowsAndWhatItReceived() {
        NodeState state = DockerProbe.answered("pg1", "t|0|pg-cluster-dev-pg0|1/A0||\n");
        assertTrue(state.standby());
        var server = state.server().orElseThrow();
        assertEquals("pg-cluster-dev-pg0", server.follows());
        assertEquals((1L << 32) + 0xA0, server.receivedPosition());
        assertEquals(Map.of(), server.senders());
        assertEquals(List.of(), server.lostSlots());
    }

    /** An answer of another shape is no answer: nothing is decided from it, and the reason is kept. */
    @Test
    void anAnswerOfAnotherShapeIsKeptAsTheReason() {
        NodeState state = DockerProbe.answered("pg0", "f|1|\n");
        assertEquals(Optional.empty(), state.server());
        assertEquals("unexpected answer: f|1|", state.unanswered());
    }
}
