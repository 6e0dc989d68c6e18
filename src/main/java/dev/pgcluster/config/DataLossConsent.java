package dev.pgcluster.config;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code pg-cluster:acceptDataLoss}: consent to discard WAL that only some nodes hold, given for one
 * situation and no other. It names each node whose data a run may discard and the position its WAL
 * ends at, exactly as the refusal printed them ({@code pg2@0/563BF48}), or, for a standby that
 * cannot be compared at all, {@code unknown:} and the position of the standby a failover promotes
 * ({@code pg2@unknown:0/5000000}). A run applies it only when what it finds is exactly that; left
 * in config, it matches nothing later (positions only grow) and each run warns until it is removed.
 *
 * @param positions node name → the position consented to (an LSN as PostgreSQL prints it, or
 *                  {@link #UNKNOWN}, a colon and an LSN); empty: no consent
 */
public record DataLossConsent(Map<String, String> positions) {
    public static final String UNKNOWN = "unknown";
    public static final DataLossConsent NONE = new DataLossConsent(Map.of());

    private static final Pattern LSN = Pattern.compile("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}");

    public DataLossConsent {
        positions = Map.copyOf(positions);
    }

    /**
     * @param nodes   the stack's node names
     * @param primary the configured primary (its own data is never what a consent discards), or null
     *                when config has none yet
     */
    public static DataLossConsent parse(String key, String raw, List<String> nodes, String primary) {
        String value = raw.trim();
        if (value.isEmpty() || value.equals("false")) {
            return NONE;
        }
        String allowed = "false, or the nodes whose data one pulumi up may discard with the position their WAL ends at,"
                + " as a refusal names them: <node>@<LSN>[,<node>@<LSN>…] (for example pg2@0/563BF48), or"
                + " <node>@unknown:<LSN> for a standby that cannot be compared";
        if (value.equals("true")) {
            throw new InvalidValue(key, raw, allowed + ". \"true\" is no longer accepted: left in a stack file it"
                    + " would apply to every later run");
        }
        var positions = new TreeMap<String, String>();
        for (String entry : value.split(",")) {
            String[] parts = entry.trim().split("@", -1);
            if (parts.length != 2 || !nodes.contains(parts[0])
                    || !(LSN.matcher(parts[1]).matches() || (parts[1].startsWith(UNKNOWN + ":")
                            && LSN.matcher(parts[1].substring(UNKNOWN.length() + 1)).matches()))) {
                throw new InvalidValue(key, raw, allowed + "; the nodes of this stack are " + String.join(", ", nodes));
            }
            if (parts[0].equals(primary)) {
                throw new InvalidValue(key, raw, "nodes other than the configured primary " + primary
                        + ": consent names the nodes whose data is discarded, never the primary's");
            }
            if (positions.put(parts[0], canonical(parts[1])) != null) {
                throw new InvalidValue(key, raw, "each node once");
            }
        }
        return new DataLossConsent(positions);
    }

    /**
     * An LSN as PostgreSQL prints it (upper case, no leading zeros); for an unknown position,
     * {@link #UNKNOWN}, a colon and such an LSN.
     */
    public static String canonical(String position) {
        if (position.startsWith(UNKNOWN + ":")) {
            return UNKNOWN + ":" + canonical(position.substring(UNKNOWN.length() + 1));
        }
        String[] halves = position.split("/");
        return String.format("%X/%X", Long.parseLong(halves[0], 16), Long.parseLong(halves[1], 16));
    }

    public boolean given() {
        return !positions.isEmpty();
    }

    /**
     * @param found node → position of what a run would discard, as far as the program can see it
     * @return true when the consent names each of these nodes at exactly its position. It may name
     *         more (stopped nodes, whose WAL only the primary step reads from their volumes); the
     *         step holds the whole consent to exactly what it finds.
     */
    public boolean covers(Map<String, String> found) {
        return found.entrySet().stream()
                .allMatch(e -> canonical(e.getValue()).equals(positions.get(e.getKey())));
    }

    /** The config value that consents to exactly {@code found}. */
    public static String value(Map<String, String> found) {
        return new TreeMap<>(found).entrySet().stream().map(e -> e.getKey() + "@" + canonical(e.getValue()))
                .collect(Collectors.joining(","));
    }

    /**
     * The sentence a refusal ends with: the one command that consents to {@code found} (keeping
     * what the consent says about other nodes), and, when a consent was given, what it lacks.
     */
    public String ask(Map<String, String> found, String discards) {
        var wanted = new TreeMap<>(positions);
        found.forEach((node, position) -> wanted.put(node, canonical(position)));
        String missing = found.entrySet().stream()
                .filter(e -> !canonical(e.getValue()).equals(positions.get(e.getKey())))
                .map(e -> e.getKey() + "@" + canonical(e.getValue()))
                .sorted()
                .collect(Collectors.joining(" "));
        String mismatch = given() ? " (pg-cluster:acceptDataLoss = \"" + this + "\" does not name " + missing + ")" : "";
        return "To " + discards + ", consent for one pulumi up: pulumi config set pg-cluster:acceptDataLoss "
                + value(wanted) + mismatch + ", then remove it again (pulumi config rm pg-cluster:acceptDataLoss).";
    }

    /** For the primary step: {@code node@position} entries separated by spaces ("" for none). */
    public String environmentValue() {
        return new TreeMap<>(positions).entrySet().stream().map(e -> e.getKey() + "@" + e.getValue())
                .collect(Collectors.joining(" "));
    }

    @Override
    public String toString() {
        return given() ? value(positions) : "false";
    }
}
