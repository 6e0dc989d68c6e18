package dev.pgcluster.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.config.ClusterConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every session pg-cluster opens on a server as its superuser pins search_path, and no secret
 * travels where it could be read: the scripts are held to that here, line by line, so a new
 * script cannot open a session another way.
 */
class HardenedSessionsTest {
    private static final Pattern PSQL = Pattern.compile("(^|[\\s|;(])psql\\s");

    private static List<Path> scripts() throws IOException {
        var scripts = new ArrayList<Path>();
        for (String dir : List.of("init", "ops")) {
            try (Stream<Path> files = Files.walk(Path.of(dir))) {
                files.filter(f -> f.toString().endsWith(".sh")).sorted().forEach(scripts::add);
            }
        }
        return scripts;
    }

    @Test
    void theScriptsAndTheProgramPinTheSameSearchPath() {
        assertTrue(InitScripts.read(InitScripts.COMMON).contains(
                "PGC_SAFE_SESSION_OPTIONS='" + ClusterConfig.SAFE_SESSION_OPTIONS + "'\n"));
        assertTrue(PostgresNode.HEALTHCHECK.contains("PGOPTIONS='" + ClusterConfig.SAFE_SESSION_OPTIONS + "' psql "));
        assertTrue(PostgresNode.HEALTHCHECK.contains("pg_catalog.pg_stat_wal_receiver"));
        assertTrue(InitScripts.read(InitScripts.COMMON).contains("PGC_REWIND_MARKER=" + PostgresNode.REWIND_MARKER + "\n"),
                "the scripts and the health check name one rewind marker");
        assertTrue(InitScripts.read(InitScripts.COMMON).contains("PGC_ROLE_FILE=" + PostgresNode.ROLE_FILE + "\n"),
                "the scripts and the health check name one role file");
        assertTrue(PostgresNode.HEALTHCHECK.contains("$(cat " + PostgresNode.ROLE_FILE + " "), PostgresNode.HEALTHCHECK);
        assertTrue(InitScripts.read(InitScripts.COMMON).contains("PGC_FENCE_MARKER="
                + dev.pgcluster.topology.DockerProbe.FENCE_MARKER + "\n"), "the scripts and the probe name one fence marker");
    }

    /**
     * psql runs only through pgc_psql (init/lib/common.sh), or with the pinned options on the same
     * line (inside a one-off container, and ops/status.sh, which runs on its own).
     */
    @Test
    void everyPsqlOfTheScriptsIsAHardenedSession() throws IOException {
        var offenders = new ArrayList<String>();
        var seen = new java.util.TreeSet<String>();
        for (Path script : scripts()) {
            List<String> lines = Files.readAllLines(script);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.startsWith("#") || !PSQL.matcher(line).find()) {
                    continue;
                }
                seen.add(script.getFileName().toString());
                boolean inPgcPsql = script.endsWith("lib/common.sh") && lines.get(i - 1).contains("PGOPTIONS=$PGC_SAFE_SESSION_OPTIONS");
                boolean pinnedHere = line.contains("PGOPTIONS=\"$PGC_SAFE_SESSION_OPTIONS\"")
                        || line.contains("PGOPTIONS='" + ClusterConfig.SAFE_SESSION_OPTIONS + "'")
                        || (i > 0 && lines.get(i - 1).contains("PGOPTIONS='" + ClusterConfig.SAFE_SESSION_OPTIONS + "'"));
                if (!inPgcPsql && !pinnedHere) {
                    offenders.add(script + ":" + (i + 1) + ": " + line);
                }
            }
        }
        assertEquals(List.of(), offenders, "psql outside pgc_psql, without the pinned search_path");
        // The scan finds the sessions it is about: pgc_psql itself, init's temporary server, the status view.
        assertTrue(seen.containsAll(List.of("common.sh", "init-in-container.sh", "status.sh")), "psql found in " + seen);
    }

    /** No script puts a password in an environment variable or a connection string. */
    @Test
    void noScriptPassesAPasswordByEnvironmentOrConninfo() throws IOException {
        for (Path script : scripts()) {
            for (String line : Files.readAllLines(script)) {
                if (line.strip().startsWith("#")) {
                    continue;
                }
                assertFalse(line.contains("PGPASSWORD"), script + ": " + line);
                assertFalse(line.matches(".*\\bpassword=.*") && !line.contains("~ 'password='"), script + ": " + line);
            }
        }
    }
}
