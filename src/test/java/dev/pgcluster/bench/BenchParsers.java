package dev.pgcluster.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the benchmark reads from the tools it runs: pgbench's summary and Docker's event stream. */
public final class BenchParsers {
    private static final Pattern TPS = Pattern.compile("^tps = ([0-9.]+) \\(without initial connection time\\)", Pattern.MULTILINE);

    private BenchParsers() {
    }

    /** The TPS pgbench reports (without the initial connection time). */
    public static double pgbenchTps(String output) {
        Matcher m = TPS.matcher(output);
        if (!m.find()) {
            throw new IllegalArgumentException("no \"tps = … (without initial connection time)\" line in pgbench's output:\n" + output);
        }
        return Double.parseDouble(m.group(1));
    }

    /** One Docker event: when, the object type, the action and the object's name. */
    public record DockerEvent(Instant at, String type, String action, String name, JsonObject attributes, String raw) {
        public String attribute(String key) {
            return attributes.has(key) ? attributes.get(key).getAsString() : "";
        }
    }

    /** {@code docker events --format '{{json .}}'}: one JSON object per line. */
    public static List<DockerEvent> dockerEvents(String lines) {
        var events = new ArrayList<DockerEvent>();
        for (String line : lines.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            long nanos = o.get("timeNano").getAsLong();
            JsonObject actor = o.getAsJsonObject("Actor");
            JsonObject attributes = actor.has("Attributes") && actor.get("Attributes").isJsonObject()
                    ? actor.getAsJsonObject("Attributes") : new JsonObject();
            String type = o.get("Type").getAsString();
            // Volumes are named by their ID; other objects carry a name attribute.
            String name = attributes.has("name") ? attributes.get("name").getAsString() : actor.get("ID").getAsString();
            events.add(new DockerEvent(Instant.ofEpochSecond(0, nanos), type, o.get("Action").getAsString(), name, attributes,
                    line.strip()));
        }
        return events;
    }

    /** The first create of a container, volume or network among {@code events} that {@code ours} accepts. */
    public static Optional<Instant> firstCreate(List<DockerEvent> events, Predicate<DockerEvent> ours) {
        return events.stream()
                .filter(e -> e.action().equals("create") && List.of("container", "volume", "network").contains(e.type()))
                .filter(ours)
                .map(DockerEvent::at)
                .min(Instant::compareTo);
    }

    /** Nearest-rank percentile (0–100) of {@code values}; NaN when empty. */
    public static double percentile(Collection<Double> values, double percent) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        var sorted = values.stream().sorted().toList();
        if (percent == 50 && sorted.size() % 2 == 0) {
            return (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        }
        int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
