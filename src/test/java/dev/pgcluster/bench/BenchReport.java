package dev.pgcluster.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark's results: the machine, every measured figure (all its samples, with median, min
 * and max) and every comparison with its goal. Written as JSON (machine-readable, read back by
 * {@link #fromJson}) and as a Markdown table.
 */
public final class BenchReport {
    /** One measured quantity and its samples, one per run. */
    public record Figure(String section, String name, String unit, List<Double> samples) {
        public double median() {
            return BenchParsers.percentile(samples, 50);
        }

        public double min() {
            return samples.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        }

        public double max() {
            return samples.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }
    }

    /**
     * A comparison of two figures' medians measured in the same run, and its goal.
     *
     * @param name  what is compared
     * @param value the ratio (or figure) compared with the goal
     * @param goal  the goal as text, e.g. "≤ 1.3"
     * @param met   whether the goal is met; null when there is no goal (a figure shown for reference)
     * @param note  how it was measured, or why a goal is missed
     */
    public record Comparison(String name, double value, String goal, Boolean met, String note) {
    }

    private final Map<String, String> machine;
    private final List<Figure> figures = new ArrayList<>();
    private final List<Comparison> comparisons = new ArrayList<>();

    public BenchReport(Map<String, String> machine) {
        this.machine = new LinkedHashMap<>(machine);
    }

    public Map<String, String> machine() {
        return machine;
    }

    public List<Figure> figures() {
        return figures;
    }

    public List<Comparison> comparisons() {
        return comparisons;
    }

    public Figure add(String section, String name, String unit, List<Double> samples) {
        var figure = new Figure(section, name, unit, List.copyOf(samples));
        figures.add(figure);
        return figure;
    }

    public Figure figure(String section, String name) {
        return figures.stream().filter(f -> f.section().equals(section) && f.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no figure " + section + " / " + name));
    }

    public boolean has(String section, String name) {
        return figures.stream().anyMatch(f -> f.section().equals(section) && f.name().equals(name));
    }

    /** A ratio with an upper bound as its goal ("at most"). */
    public void atMost(String name, double value, double bound, String note) {
        comparisons.add(new Comparison(name, value, "≤ " + number(bound), value <= bound, note));
    }

    /** A ratio with a lower bound as its goal ("at least"). */
    public void atLeast(String name, double value, double bound, String note) {
        comparisons.add(new Comparison(name, value, "≥ " + number(bound), value >= bound, note));
    }

    /** A ratio shown without a goal. */
    public void reference(String name, double value, String note) {
        comparisons.add(new Comparison(name, value, "", null, note));
    }

    public String toJson() {
        var root = new LinkedHashMap<String, Object>();
        root.put("machine", machine);
        var list = new ArrayList<Map<String, Object>>();
        for (Figure f : figures) {
            var m = new LinkedHashMap<String, Object>();
            m.put("section", f.section());
            m.put("name", f.name());
            m.put("unit", f.unit());
            m.put("samples", f.samples());
            m.put("median", f.median());
            m.put("min", f.min());
            m.put("max", f.max());
            list.add(m);
        }
        root.put("figures", list);
        root.put("comparisons", comparisons);
        return gson().toJson(root);
    }

    /** Reads a report written by {@link #toJson} (medians, min and max are computed again from the samples). */
    public static BenchReport fromJson(String json) {
        var root = gson().fromJson(json, Stored.class);
        var report = new BenchReport(root.machine);
        for (var f : root.figures) {
            report.add(f.section, f.name, f.unit, f.samples);
        }
        report.comparisons.addAll(root.comparisons);
        return report;
    }

    private static final class Stored {
        Map<String, String> machine;
        List<StoredFigure> figures;
        List<Comparison> comparisons;
    }

    private static final class StoredFigure {
        String section;
        String name;
        String unit;
        List<Double> samples;
    }

    public String toMarkdown() {
        var out = new StringBuilder();
        out.append("Measured ").append(machine.getOrDefault("date", "?")).append(" on ")
                .append(machine.getOrDefault("machine", "?")).append(".\n\n");
        out.append("| Section | Figure | Median | Min | Max | Runs |\n");
        out.append("| --- | --- | ---: | ---: | ---: | ---: |\n");
        for (Figure f : figures) {
            out.append("| ").append(f.section()).append(" | ").append(f.name()).append(" | ")
                    .append(number(f.median())).append(' ').append(f.unit()).append(" | ")
                    .append(number(f.min())).append(" | ").append(number(f.max())).append(" | ")
                    .append(f.samples().size()).append(" |\n");
        }
        out.append("\n| Comparison (same run) | Value | Goal | Met | How |\n");
        out.append("| --- | ---: | --- | --- | --- |\n");
        for (Comparison c : comparisons) {
            out.append("| ").append(c.name()).append(" | ").append(number(c.value())).append(" | ")
                    .append(c.goal()).append(" | ")
                    .append(c.met() == null ? "" : c.met() ? "yes" : "**no**").append(" | ")
                    .append(c.note()).append(" |\n");
        }
        out.append("\n| Machine | |\n| --- | --- |\n");
        machine.forEach((k, v) -> out.append("| ").append(k).append(" | ").append(v.replace("|", "/")).append(" |\n"));
        return out.toString();
    }

    /** Figures with three significant digits at most (and no exponent). */
    static String number(double value) {
        if (Double.isNaN(value)) {
            return "–";
        }
        double abs = Math.abs(value);
        if (abs >= 100) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (abs >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }

    private static Gson gson() {
        return new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().disableHtmlEscaping().create();
    }
}
