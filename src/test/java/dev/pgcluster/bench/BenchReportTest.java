package dev.pgcluster.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's parsing and table writing, on what a real run recorded (src/test/resources/bench:
 * a run's bench.json and bench.md, pgbench's output and Docker's events of one bring-up).
 */
class BenchReportTest {
    /** The floor under the program-start rows is built with pg-cluster's own SDK and plugin versions. */
    @Test
    void theFloorProgramUsesTheProjectsVersions() throws IOException {
        String floor = java.nio.file.Files.readString(java.nio.file.Path.of("bench", "floor", "pom.xml"));
        String project = java.nio.file.Files.readString(java.nio.file.Path.of("pom.xml"));
        for (String pattern : List.of("<pulumi.version>[^<]*</pulumi.version>",
                "<artifactId>maven-compiler-plugin</artifactId>\\s*<version>[^<]*</version>",
                "<artifactId>maven-dependency-plugin</artifactId>\\s*<version>[^<]*</version>",
                "<artifactId>exec-maven-plugin</artifactId>\\s*<version>[^<]*</version>",
                "<maven.compiler.release>[^<]*</maven.compiler.release>")) {
            var inProject = java.util.regex.Pattern.compile(pattern).matcher(project);
            assertTrue(inProject.find(), pattern);
            assertTrue(floor.contains(inProject.group()), "bench/floor/pom.xml differs from pom.xml in " + inProject.group());
        }
    }

    @Test
    void theRecordedTableIsWrittenAgainFromTheRecordedJson() {
        var report = BenchReport.fromJson(read("bench.json"));
        assertEquals(read("bench.md"), report.toMarkdown());
        assertEquals(report.toJson(), BenchReport.fromJson(report.toJson()).toJson(), "JSON round trip");
        assertFalse(report.figures().isEmpty());
        assertTrue(report.machine().containsKey("docker"), report.machine().toString());
    }

    @Test
    void mediansMinAndMaxComeFromTheSamples() {
        var report = new BenchReport(Map.of("date", "2026-11-27", "machine", "test"));
        var figure = report.add("Bring-up, 1 replica", "compose", "s", List.of(4.0, 3.0, 9.0));
        assertEquals(4.0, figure.median());
        assertEquals(3.0, figure.min());
        assertEquals(9.0, figure.max());
        assertEquals(3.5, report.add("s", "even", "s", List.of(3.0, 4.0)).median());
        report.atMost("ratio", 1.2, 1.3, "medians");
        report.atLeast("throughput", 0.5, 0.7, "MB/s");
        String table = report.toMarkdown();
        assertTrue(table.contains("| Bring-up, 1 replica | compose | 4.00 s | 3.00 | 9.00 | 3 |"), table);
        assertTrue(table.contains("| ratio | 1.20 | ≤ 1.30 | yes | medians |"), table);
        assertTrue(table.contains("| throughput | 0.50 | ≥ 0.70 | **no** | MB/s |"), table);
    }

    @Test
    void pgbenchTpsFromItsRecordedOutput() {
        String output = read("pgbench-async.txt");
        double tps = BenchParsers.pgbenchTps(output);
        assertTrue(output.contains("tps = " + tpsText(output)), output);
        assertEquals(Double.parseDouble(tpsText(output)), tps);
        assertThrows(IllegalArgumentException.class, () -> BenchParsers.pgbenchTps("pgbench: error: connection refused"));
    }

    @Test
    void theFirstDockerObjectOfABringUpFromItsRecordedEvents() {
        var events = BenchParsers.dockerEvents(read("events-bench-r1.jsonl"));
        assertFalse(events.isEmpty());
        Instant first = BenchParsers.firstCreate(events, e -> e.name().startsWith("pg-cluster-bench-r1")
                || "bench-r1".equals(e.attribute("pg-cluster.stack"))).orElseThrow();
        var creates = events.stream().filter(e -> e.action().equals("create")).toList();
        assertEquals(creates.stream().map(BenchParsers.DockerEvent::at).min(Instant::compareTo).orElseThrow(), first,
                "every create in the recording is the stack's");
        assertTrue(events.stream().anyMatch(e -> e.type().equals("container") && e.name().equals("pg-cluster-bench-r1-pg0")),
                "the primary's container is named");
        assertTrue(BenchParsers.firstCreate(events, e -> false).isEmpty());
    }

    @Test
    void percentilesByNearestRank() {
        var values = List.of(5.0, 1.0, 4.0, 2.0, 3.0);
        assertEquals(3.0, BenchParsers.percentile(values, 50));
        assertEquals(5.0, BenchParsers.percentile(values, 99));
        assertEquals(5.0, BenchParsers.percentile(values, 100));
        assertEquals(1.0, BenchParsers.percentile(values, 1));
        assertTrue(Double.isNaN(BenchParsers.percentile(List.of(), 50)));
    }

    private static String tpsText(String output) {
        return output.lines().filter(l -> l.startsWith("tps = ")).findFirst().orElseThrow().split(" ")[2];
    }

    private static String read(String name) {
        try (InputStream in = BenchReportTest.class.getResourceAsStream("/bench/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource bench/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
