package dev.pgcluster.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.config.DockerHostSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What {@code docker info} answers decides whether the hosts can share one swarm overlay
 * ({@code swarmOverlay}): {@link DockerProbe#swarmProblems}, fed the answers of a manager, its
 * workers, a host outside, a host of another swarm.
 */
class SwarmProblemsTest {
    private static final DockerHostSpec H1 = host("h1");
    private static final DockerHostSpec H2 = host("h2");
    private static final DockerHostSpec H3 = host("h3");
    /** A manager lists the managers it knows, itself among them; a worker the managers it knows. */
    private static final String MANAGER = "active|true|m1|m1 ";
    private static final String WORKER = "active|false|w2|m1 ";

    private static DockerHostSpec host(String name) {
        return new DockerHostSpec(Optional.of(name), "tcp://10.0.0.1" + name.substring(1) + ":2376", Optional.empty(),
                Optional.of("10.0.0.1" + name.substring(1)));
    }

    private static Map<DockerHostSpec, Optional<String>> answers(String h1, String h2, String h3) {
        var answers = new LinkedHashMap<DockerHostSpec, Optional<String>>();
        answers.put(H1, Optional.ofNullable(h1));
        answers.put(H2, Optional.ofNullable(h2));
        answers.put(H3, Optional.ofNullable(h3));
        return answers;
    }

    @Test
    void aManagerFirstAndItsWorkersAreOneSwarm() {
        assertEquals(List.of(), DockerProbe.swarmProblems(H1, false, answers(MANAGER, WORKER, "active|false|w3|m1 ")));
        // A second manager lists both.
        assertEquals(List.of(), DockerProbe.swarmProblems(H1, false, answers(MANAGER, "active|true|m2|m1 m2 ", WORKER)));
    }

    @Test
    void aHostOutsideAWorkerFirstAnotherSwarmAndASilentHostAreNamed() {
        var outside = DockerProbe.swarmProblems(H1, false, answers(MANAGER, WORKER, "inactive|false||"));
        assertEquals(1, outside.size(), outside.toString());
        assertTrue(outside.get(0).startsWith("h3 (tcp://10.0.0.13:2376) is not in a swarm (its swarm state: inactive)"),
                outside.get(0));

        var worker = DockerProbe.swarmProblems(H1, false, answers(WORKER, MANAGER, WORKER));
        assertTrue(worker.stream().anyMatch(p -> p.startsWith("h1 (tcp://10.0.0.11:2376) (the first node's host, where the"
                + " overlay is made) is a swarm worker")), worker.toString());

        var other = DockerProbe.swarmProblems(H1, false, answers(MANAGER, WORKER, "active|false|w9|m9 "));
        assertEquals(List.of("h3 (tcp://10.0.0.13:2376) is in another swarm than h1 (tcp://10.0.0.11:2376) (its managers do"
                + " not include node m1): pg-cluster:swarmOverlay = \"true\" needs every host in one swarm"), other);

        var silent = DockerProbe.swarmProblems(H1, false, answers(MANAGER, null, WORKER));
        assertEquals(List.of("h2 (tcp://10.0.0.12:2376) did not say whether it is in a swarm (docker info failed)"), silent);
    }

    /** The first node's host lost (lostHosts): another host that answers must manage the swarm. */
    @Test
    void withTheFirstHostLostAnotherManagerMustAnswer() {
        var lost = new LinkedHashMap<DockerHostSpec, Optional<String>>();
        lost.put(H2, Optional.of("active|false|w2|m1 "));
        lost.put(H3, Optional.of("active|false|w3|m1 "));
        var none = DockerProbe.swarmProblems(H1, true, lost);
        assertEquals(1, none.size(), none.toString());
        assertTrue(none.get(0).startsWith("no host that answers is a swarm manager, and h1 (tcp://10.0.0.11:2376) is lost"),
                none.get(0));
        // h2 promoted: it manages, and h3 (a worker) still lists only h1's manager: one swarm all the same.
        lost.put(H2, Optional.of("active|true|m2|m1 m2 "));
        assertEquals(List.of(), DockerProbe.swarmProblems(H1, true, lost));
        lost.put(H3, Optional.of("active|false|w3|m9 "));
        assertEquals(1, DockerProbe.swarmProblems(H1, true, lost).size(), "h3 in another swarm");
    }
}
