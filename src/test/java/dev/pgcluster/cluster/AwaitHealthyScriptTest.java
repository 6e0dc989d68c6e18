package dev.pgcluster.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.topology.DockerProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The readiness step (init/node/await-healthy.sh as shipped) against a stand-in docker CLI that
 * answers like Docker: it refuses a new container that does not publish the declared port.
 */
class AwaitHealthyScriptTest {
    private static final String DECLARED = "127.0.0.1:6101->5432/tcp";

    @TempDir
    Path dir;

    /** Runs the step with a docker CLI whose inspect prints {@code bindings} for the published-ports format. */
    private Result run(String bindings) throws Exception {
        Path docker = dir.resolve("docker");
        Files.writeString(docker, """
                #!/bin/sh
                # inspect: answers the formats the step uses; exec: the health check passes
                case "$1 $2" in
                "container inspect")
                    case "$4" in
                    '{{.Id}}') echo abc123 ;;
                    '{{.State.Status}}') echo running ;;
                    "$EXPECTED_FORMAT") printf '%s\\n' "$FAKE_BINDINGS" ;;
                    *) echo "unexpected format $4" >&2; exit 9 ;;
                    esac ;;
                "exec "*) exit 0 ;;
                *) echo "unexpected docker $*" >&2; exit 9 ;;
                esac
                """);
        assertTrue(docker.toFile().setExecutable(true));
        var builder = new ProcessBuilder("sh", "-c", InitScripts.read(InitScripts.AWAIT_HEALTHY));
        var env = builder.environment();
        env.put("PATH", dir + ":" + env.get("PATH"));
        env.put("PGC_CONTAINER", "pg-cluster-test-pg1");
        env.put("PGC_CONTAINER_ID", "abc123");
        env.put("PGC_TIMEOUT_SECONDS", "5");
        env.put("PGC_HEALTHCHECK", "true");
        env.put("PGC_PUBLISHED", DECLARED);
        env.put("PGC_PUBLISHED_FORMAT", DockerProbe.PUBLISHED_FORMAT);
        env.put("EXPECTED_FORMAT", DockerProbe.PUBLISHED_FORMAT);
        env.put("FAKE_BINDINGS", bindings);
        Process process = builder.start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes());
        String err = new String(process.getErrorStream().readAllBytes());
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        return new Result(process.exitValue(), out, err);
    }

    private record Result(int status, String stdout, String stderr) {
    }

    @Test
    void aContainerPublishingTheDeclaredPortGoesOnToItsHealthCheck() throws Exception {
        // the format ends every binding with a space, as Docker prints it
        Result result = run(DECLARED + " ");
        assertEquals(0, result.status(), result.stderr());
        assertEquals("pg-cluster: pg-cluster-test-pg1 passes its health check\n", result.stdout());
    }

    @Test
    void aNewContainerPublishingNothingIsRefusedWithTheWayOut() throws Exception {
        Result result = run("");
        assertEquals(1, result.status());
        assertEquals("pg-cluster: container pg-cluster-test-pg1 publishes 'nothing', not 127.0.0.1:6101->5432/tcp as declared"
                + " (it was created from ports a refresh recorded while the old container was stopped). Run pulumi up"
                + " again: it replaces the container with the declared port.\n", result.stderr());
    }

    @Test
    void aNewContainerPublishingAnotherPortIsRefused() throws Exception {
        Result result = run("127.0.0.1:6000->5432/tcp ");
        assertEquals(1, result.status());
        assertTrue(result.stderr().startsWith("pg-cluster: container pg-cluster-test-pg1 publishes "
                + "'127.0.0.1:6000->5432/tcp', not 127.0.0.1:6101->5432/tcp as declared"), result.stderr());
    }
}
