package dev.pgcluster.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every session of the scripts that makes a replication slot takes the slots' advisory lock first
 * (init/lib/common.sh, PGC_SLOTS_LOCK_SQL): on a new cluster a standby's slot step runs beside the
 * primary step, and both make that standby's slot (a check, then a creation, which would fail in
 * the second of two sessions that both found it missing).
 */
class SlotSessionsTest {
    /** How far above a slot's creation its session's lock may be (the lines of one heredoc or function). */
    private static final int SESSION_LINES = 6;

    @Test
    void everySessionThatMakesASlotTakesTheLockFirst() throws IOException {
        var offenders = new ArrayList<String>();
        var seen = new java.util.TreeSet<String>();
        for (String dir : List.of("init", "ops")) {
            try (Stream<Path> files = Files.walk(Path.of(dir))) {
                for (Path script : files.filter(f -> f.toString().endsWith(".sh")).sorted().toList()) {
                    List<String> lines = Files.readAllLines(script);
                    for (int i = 0; i < lines.size(); i++) {
                        String line = lines.get(i).strip();
                        if (line.startsWith("#") || !line.contains("pg_create_physical_replication_slot(")) {
                            continue;
                        }
                        seen.add(script.getFileName().toString());
                        boolean locked = false;
                        for (int j = Math.max(0, i - SESSION_LINES); j < i; j++) {
                            locked |= lines.get(j).contains("\"$PGC_SLOTS_LOCK_SQL\"");
                        }
                        if (!locked) {
                            offenders.add(script + ":" + (i + 1) + ": " + line);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), offenders, "a slot made without the slots' lock");
        assertTrue(seen.containsAll(List.of("converge.sh", "create-slot.sh", "seed.sh")), "slots made in " + seen);
    }

    /** One lock, held for the session, its empty result kept off the output the slot step reads. */
    @Test
    void theLockIsASessionLockWhoseResultPrintsNothing() {
        String common = InitScripts.read(InitScripts.COMMON);
        assertTrue(common.contains("\nPGC_SLOTS_LOCK_SQL='SELECT pg_catalog.pg_advisory_lock("), common);
        assertTrue(common.contains(") AS slots_locked \\gset pgc_'\n"), "\\gset: no output line");
        assertEquals(1, common.split("pg_advisory_lock\\(", -1).length - 1, "one lock");
    }
}
