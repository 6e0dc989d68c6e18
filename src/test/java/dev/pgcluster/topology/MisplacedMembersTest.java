package dev.pgcluster.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgcluster.config.DockerHostSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the probe makes of where the stack's members run, against where config puts them. */
class MisplacedMembersTest {
    private static final DockerHostSpec H1 = host("h1", "tcp://10.0.0.11:2376");
    private static final DockerHostSpec H2 = host("h2", "tcp://10.0.0.12:2376");
    private static final DockerHostSpec H3 = host("h3", "tcp://10.0.0.13:2376");
    private static final DockerHostSpec LOCAL = DockerHostSpec.unnamed("unix:///var/run/docker.sock");

    private static DockerHostSpec host(String name, String endpoint) {
        return new DockerHostSpec(Optional.of(name), endpoint, Optional.of("/certs"),
                Optional.of(endpoint.replaceAll("^tcp://|:\\d+$", "")));
    }

    private static Map<String, DockerHostSpec> config(DockerHostSpec pg0, DockerHostSpec pg1, DockerHostSpec pg2) {
        var configured = new LinkedHashMap<String, DockerHostSpec>();
        configured.put("pg0", pg0);
        configured.put("pg1", pg1);
        configured.put("pg2", pg2);
        return configured;
    }

    @Test
    void everyMemberWhereConfigPutsItIsFine() {
        var engines = Map.of(H1, "E1", H2, "E2", H3, "E3", LOCAL, "E0");
        var found = Map.<String, Set<String>>of("E1", Set.of("pg0"), "E2", Set.of("pg1"), "E3", Set.of("pg2"));
        assertEquals(List.of(), DockerProbe.misplaced(config(H1, H2, H3), engines, found, List.of()));
    }

    @Test
    void theDefaultEngineThatIsAlsoAHostOfDockerHostsIsNoOtherHost() {
        // The machine running pulumi is h1 itself: its local socket and h1's endpoint reach one engine.
        var engines = new LinkedHashMap<DockerHostSpec, String>();
        engines.put(H1, "E1");
        engines.put(H2, "E2");
        engines.put(H3, "E3");
        engines.put(LOCAL, "E1");
        var found = Map.<String, Set<String>>of("E1", Set.of("pg0"), "E2", Set.of("pg1"), "E3", Set.of("pg2"));
        assertEquals(List.of(), DockerProbe.misplaced(config(H1, H2, H3), engines, found, List.of()));
    }

    @Test
    void aMemberOnAnotherEngineIsNamedWithBothHosts() {
        var engines = Map.of(H1, "E1", H2, "E2", H3, "E3", LOCAL, "E0");
        var found = Map.<String, Set<String>>of("E1", Set.of("pg0"), "E2", Set.of("pg1"), "E3", Set.of("pg2"));
        assertEquals(List.of("pg1 runs on h2 (tcp://10.0.0.12:2376), but config puts it on h3 (tcp://10.0.0.13:2376)",
                        "pg2 runs on h3 (tcp://10.0.0.13:2376), but config puts it on h2 (tcp://10.0.0.12:2376)"),
                DockerProbe.misplaced(config(H1, H3, H2), engines, found, List.of()));
    }

    @Test
    void aStackThatRanOnTheDefaultEngineIsNotMovedOntoHosts() {
        var engines = Map.of(H1, "E1", H2, "E2", H3, "E3", LOCAL, "E0");
        var found = Map.<String, Set<String>>of("E0", Set.of("pg0", "pg1", "pg2"));
        assertEquals(3, DockerProbe.misplaced(config(H1, H2, H3), engines, found, List.of()).size());
        assertEquals("pg0 runs on unix:///var/run/docker.sock, but config puts it on h1 (tcp://10.0.0.11:2376)",
                DockerProbe.misplaced(config(H1, H2, H3), engines, found, List.of()).get(0));
    }

    @Test
    void aMemberNotAtHomeWhileAHostGaveNoAnswerMayRunThere() {
        var found = Map.<String, Set<String>>of("E1", Set.of("pg0"), "E2", Set.of("pg1"));
        var spare = host("h4", "tcp://10.0.0.14:2376");
        assertEquals(List.of("pg2 is not on h3 (tcp://10.0.0.13:2376), and h4 (tcp://10.0.0.14:2376) cannot be "
                        + "reached: it may run there (bring that host back, or take it out of dockerHosts if it holds "
                        + "nothing of the stack)"),
                DockerProbe.misplaced(config(H1, H2, H3), Map.of(H1, "E1", H2, "E2", H3, "E3", LOCAL, "E0"), found,
                        List.of(spare)));
        // Everything answered: a member found nowhere is a new one.
        assertEquals(List.of(), DockerProbe.misplaced(config(H1, H2, H3), Map.of(H1, "E1", H2, "E2", H3, "E3"), found,
                List.of()));
    }
}
