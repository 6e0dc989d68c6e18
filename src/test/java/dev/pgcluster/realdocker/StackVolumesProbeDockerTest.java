package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.cluster.Labels;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.DockerHosts;
import dev.pgcluster.testing.TestConfigs;
import dev.pgcluster.topology.DockerProbe;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the program asks every node's host before it takes a stack for a new cluster (its standbys'
 * slot steps and base backups then run beside the primary step: DeclaredFailover), on the real
 * engine: a volume named as a node's data volume or carrying the stack's labels, or a host that
 * does not answer, and it is not one. The volumes are this test's own, made and removed here.
 */
@RequiresDocker
class StackVolumesProbeDockerTest {
    private static final String STACK = Docker.TEST_STACK_PREFIX + "volume-probe";

    @Test
    void aNewClusterIsOnlyWhereEveryHostSaysItHoldsNoVolumeOfTheStack() {
        // The engine this test's docker CLI talks to, as the program resolves it.
        String engine = DockerHosts.providerDefault(java.util.Optional.empty(), System.getenv());
        ClusterConfig config = TestConfigs.config(STACK, "replicas", "1", "dockerHost", engine);
        var probe = new DockerProbe();
        String named = config.dataVolumeName("pg1");
        String labelled = config.namePrefix() + "-probe-labelled";
        String otherStack = config.namePrefix() + "-probe-other-stack";
        List<String> made = List.of(named, labelled, otherStack);
        made.forEach(volume -> assertFalse(Docker.run("volume", "inspect", volume).ok(), volume + " exists before the test"));
        try {
            assertTrue(probe.noStackVolumes(config), "no volume of the stack");

            create(named);
            assertFalse(probe.noStackVolumes(config), "a node's data volume, by its name alone");
            Docker.ok("volume", "rm", named);

            create(labelled, "--label", Labels.PROJECT + "=" + config.project(), "--label", Labels.STACK + "=" + STACK);
            assertFalse(probe.noStackVolumes(config), "a volume with the stack's labels");
            Docker.ok("volume", "rm", labelled);

            create(otherStack, "--label", Labels.PROJECT + "=" + config.project(), "--label", Labels.STACK + "=" + STACK + "-other");
            assertTrue(probe.noStackVolumes(config), "another stack's volume is not this stack's");
        } finally {
            made.forEach(volume -> Docker.run("volume", "rm", volume));
        }
        // A host that does not answer cannot say it holds nothing.
        ClusterConfig unanswered = TestConfigs.config(STACK, "replicas", "1", "dockerHost", "tcp://127.0.0.1:1");
        assertFalse(probe.noStackVolumes(unanswered), "a host that does not answer");
    }

    private static void create(String volume, String... options) {
        var args = new java.util.ArrayList<String>(List.of("volume", "create", "--label", Docker.TEST_LABEL + "=" + STACK));
        args.addAll(List.of(options));
        args.add(volume);
        Docker.ok(args.toArray(String[]::new));
    }
}
