package dev.pgcluster.realdocker;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.pulumi.Context;
import com.pulumi.automation.AutomationException;
import com.pulumi.automation.ConfigValue;
import com.pulumi.automation.DestroyOptions;
import com.pulumi.automation.LocalWorkspace;
import com.pulumi.automation.LocalWorkspaceOptions;
import com.pulumi.automation.OperationType;
import com.pulumi.automation.PreviewOptions;
import com.pulumi.automation.RefreshOptions;
import com.pulumi.automation.UpOptions;
import com.pulumi.automation.WorkspaceStack;
import com.pulumi.automation.events.EngineEvent;
import com.pulumi.automation.events.StepEventMetadata;
import dev.pgcluster.App;
import dev.pgcluster.testing.TestConfigs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One stack of project {@code pg-cluster} driven through the real engine by the Automation API:
 * the program is {@link App#stack} (inline, in this JVM), everything else — the CLI, the diff,
 * state, the docker and command providers — is what a user's {@code pulumi up} runs.
 */
public final class EngineStack implements AutoCloseable {
    /** One step the engine took (or, in a preview, planned): its operation and resource. */
    public record Step(OperationType op, String type, String name) {
        @Override
        public String toString() {
            return op + " " + type + " " + name;
        }
    }

    /** What one engine operation did. */
    public record Run(String stdout, String stderr, List<Step> steps, Map<OperationType, Integer> changes) {
        /** Steps other than "same" and reads. */
        public List<Step> changed() {
            return steps.stream().filter(s -> s.op() != OperationType.SAME && s.op() != OperationType.READ).toList();
        }

        /** The closing summary's counts other than "same": what the operation changed (or found changed). */
        public Map<OperationType, Integer> changeCounts() {
            var counts = new java.util.TreeMap<OperationType, Integer>();
            changes.forEach((op, n) -> {
                if (op != OperationType.SAME && n != null && n > 0) {
                    counts.put(op, n);
                }
            });
            return counts;
        }

        public List<Step> steps(OperationType op) {
            return steps.stream().filter(s -> s.op() == op).toList();
        }
    }

    private final String name;
    private final Path workDir;
    private final WorkspaceStack stack;
    /** The config the stack holds now, when the program is ours; kept in step with set/remove. */
    private Map<String, String> current = new LinkedHashMap<>();

    private EngineStack(String name, Path workDir, WorkspaceStack stack) {
        this.name = name;
        this.workDir = workDir;
        this.stack = stack;
    }

    /**
     * Creates (or selects, after a crashed run) stack {@code name} with the program's config
     * {@code values} (keys without namespace; the password keys are set as secrets).
     */
    public static EngineStack create(String name, Map<String, String> values) {
        var current = new LinkedHashMap<String, String>();
        // What the language host would tell the program about its config (which keys are set,
        // which are secret): an inline program gets no PULUMI_CONFIG environment to read it from.
        var stack = create(name, values,
                ctx -> App.stack(ctx, ctx.config(), TestConfigs.runtime(programKeys(current))));
        stack.current = current;
        current.putAll(values);
        return stack;
    }

    private static Map<String, String> withExtra(Map<String, String> base, Map<String, String> extra) {
        var env = new LinkedHashMap<>(base);
        env.putAll(extra);
        return env;
    }

    private static Map<String, String> programKeys(Map<String, String> values) {
        var own = new LinkedHashMap<String, String>();
        values.forEach((k, v) -> {
            if (!k.contains(":")) {
                own.put(k, v);
            }
        });
        return own;
    }

    /** {@link #create(String, Map)} with extra environment for the CLI and the providers it starts. */
    public static EngineStack create(String name, Map<String, String> values, Map<String, String> environment) {
        var current = new LinkedHashMap<String, String>();
        var stack = create(name, values,
                ctx -> App.stack(ctx, ctx.config(), TestConfigs.runtime(programKeys(current))), environment);
        stack.current = current;
        current.putAll(values);
        return stack;
    }

    /** {@link #create(String, Map)} with another program (a test's own, for provider facts). */
    public static EngineStack create(String name, Map<String, String> values, Consumer<Context> program) {
        return create(name, values, program, Map.of());
    }

    private static EngineStack create(String name, Map<String, String> values, Consumer<Context> program,
                                      Map<String, String> environment) {
        Path workDir = Engine.ROOT.resolve("work").resolve(name);
        long started = System.nanoTime();
        try {
            Files.createDirectories(workDir);
            var stack = LocalWorkspace.createOrSelectStack(TestConfigs.PROJECT, name, program,
                    LocalWorkspaceOptions.builder()
                            .workDir(workDir)
                            .environmentVariables(withExtra(Engine.environment(), environment))
                            .build());
            var engineStack = new EngineStack(name, workDir, stack);
            engineStack.setConfig(values);
            report("stack init and config", name, started);
            return engineStack;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (AutomationException e) {
            throw new IllegalStateException("cannot create stack " + name + ": " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    /** The program config the stack holds now (keys without namespace). */
    public Map<String, String> values() {
        return Map.copyOf(current);
    }

    /** Sets program config keys (without namespace); password keys become secrets. */
    public void setConfig(Map<String, String> values) {
        var config = new LinkedHashMap<String, ConfigValue>();
        values.forEach((k, v) -> config.put(k.contains(":") ? k : TestConfigs.PROJECT + ":" + k,
                new ConfigValue(v, TestConfigs.SECRET_KEYS.contains(k))));
        current.putAll(values);
        try {
            stack.setAllConfig(config, false);
        } catch (AutomationException e) {
            throw new IllegalStateException("cannot set config of " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Sets program config key {@code key} to a map, stored as a YAML map in the stack file (as
     * {@code pulumi config set --path} does), which the program reads as JSON.
     */
    public void setMapConfig(String key, Map<String, ?> value) {
        var config = new LinkedHashMap<String, ConfigValue>();
        flatten(TestConfigs.PROJECT + ":" + key, value, config);
        current.put(key, new com.google.gson.Gson().toJson(value));
        try {
            stack.setAllConfig(config, true);
        } catch (AutomationException e) {
            throw new IllegalStateException("cannot set config of " + name + ": " + e.getMessage(), e);
        }
    }

    private static void flatten(String path, Object value, Map<String, ConfigValue> out) {
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> flatten(path + "." + k, v, out));
        } else {
            out.put(path, new ConfigValue(String.valueOf(value), false));
        }
    }

    public void removeConfig(String key) {
        current.remove(key);
        try {
            stack.removeConfig(key.contains(":") ? key : TestConfigs.PROJECT + ":" + key);
        } catch (AutomationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The engine's steps that replace a resource. */
    public static final Set<OperationType> REPLACING = EnumSet.of(OperationType.REPLACE,
            OperationType.CREATE_REPLACEMENT, OperationType.DELETE_REPLACED, OperationType.DISCARD_REPLACED);

    /** {@code pulumi up}; throws {@link EngineFailure} when it fails. */
    public Run up() {
        return up(List.of());
    }

    /** {@code pulumi up --replace URN…}. */
    public Run up(List<String> replaces) {
        return operation("pulumi up", steps -> {
            var stdout = new StringBuffer();
            var stderr = new StringBuffer();
            try {
                var result = stack.up(UpOptions.builder().replaces(replaces).onEvent(steps.listener())
                        .onStandardOutput(line -> stdout.append(line).append('\n'))
                        .onStandardError(line -> stderr.append(line).append('\n')).build());
                return new Run(result.standardOutput(), result.standardError(), steps.steps(),
                        result.summary().resourceChanges());
            } catch (AutomationException e) {
                if (failedOnlyReadingOutputs(e)) {
                    // The update itself succeeded (the CLI exited 0); see failedOnlyReadingOutputs.
                    return new Run(stdout.toString(), stderr.toString(), steps.steps(), steps.changes());
                }
                throw e;
            }
        });
    }

    /**
     * The Automation API of com.pulumi:pulumi 1.36.1 reads the stack's outputs after a successful
     * {@code up} into a map of strings, and throws on any other output (this program exports a
     * list and a map). The update has completed by then; the outputs are read with the CLI instead
     * ({@link #outputs()}).
     */
    private static boolean failedOnlyReadingOutputs(AutomationException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof com.google.gson.JsonSyntaxException) {
                for (StackTraceElement frame : t.getStackTrace()) {
                    if (frame.getMethodName().equals("getStackOutputs")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** {@code pulumi preview}; with {@code expectNoChanges} it fails when anything would change. */
    public Run preview(boolean expectNoChanges) {
        return preview(expectNoChanges, List.of());
    }

    /** {@code pulumi preview --policy-pack …}. */
    public Run preview(boolean expectNoChanges, List<String> policyPacks) {
        return operation("pulumi preview", steps -> {
            var result = stack.preview(PreviewOptions.builder().expectNoChanges(expectNoChanges)
                    .policyPacks(policyPacks).onEvent(steps.listener()).build());
            return new Run(result.standardOutput(), result.standardError(), steps.steps(), result.changeSummary());
        });
    }

    /**
     * {@code pulumi cancel --yes}: what a user runs after a {@code pulumi up} was killed, to remove
     * the lock the killed run left on the stack.
     */
    public void cancel() {
        try {
            stack.cancel();
        } catch (AutomationException e) {
            throw new EngineFailure("pulumi cancel of " + name, e);
        }
    }

    /** {@code pulumi refresh --yes}. */
    public Run refresh() {
        return operation("pulumi refresh", steps -> {
            var result = stack.refresh(RefreshOptions.builder().onEvent(steps.listener()).build());
            return new Run(result.standardOutput(), result.standardError(), steps.steps(),
                    result.summary().resourceChanges());
        });
    }

    /** {@code pulumi destroy --yes}. */
    public Run destroy() {
        return operation("pulumi destroy", steps -> {
            var result = stack.destroy(DestroyOptions.builder().onEvent(steps.listener()).build());
            return new Run(result.standardOutput(), result.standardError(), steps.steps(),
                    result.summary().resourceChanges());
        });
    }

    /** An engine operation whose steps are recorded, timed, and whose failure names it. */
    private interface Operation {
        Run run(StepRecorder steps) throws AutomationException;
    }

    private Run operation(String what, Operation operation) {
        long started = System.nanoTime();
        var steps = stepRecorder();
        try {
            return operation.run(steps);
        } catch (AutomationException e) {
            throw new EngineFailure(what + " of " + name, e);
        } finally {
            report(what, name, started);
            if (!steps.slowSteps().isEmpty()) {
                System.out.println("engine: slow steps of " + what + " of " + name + ": " + steps.slowSteps());
            }
        }
    }

    /**
     * The stack's outputs, secrets in plain text ({@code pulumi stack output --json --show-secrets}).
     * Its CA certificates join {@link TestTrust}, as a user saves them to trust the nodes.
     */
    public Map<String, Object> outputs() {
        Shell.Result result = Engine.run(workDir, Map.of(), Duration.ofMinutes(2),
                "stack", "output", "--json", "--show-secrets", "--stack", name).orThrow("pulumi stack output");
        var outputs = new LinkedHashMap<String, Object>();
        JsonParser.parseString(result.stdout()).getAsJsonObject().entrySet().forEach(e -> {
            JsonElement v = e.getValue();
            if (v.isJsonPrimitive()) {
                outputs.put(e.getKey(), v.getAsString());
            } else if (v.isJsonObject()) {
                var map = new LinkedHashMap<String, String>();
                v.getAsJsonObject().entrySet().forEach(m -> map.put(m.getKey(), m.getValue().getAsString()));
                outputs.put(e.getKey(), map);
            } else if (v.isJsonArray()) {
                var list = new ArrayList<String>();
                v.getAsJsonArray().forEach(x -> list.add(x.getAsString()));
                outputs.put(e.getKey(), list);
            }
        });
        TestTrust.add((String) outputs.get("caCertificate"));
        return outputs;
    }

    /**
     * What anyone without the stack's passphrase sees: {@code pulumi stack output --json} and
     * {@code pulumi stack export}, both without {@code --show-secrets}.
     */
    public String withoutSecrets() {
        String outputs = Engine.run(workDir, Map.of(), Duration.ofMinutes(2),
                "stack", "output", "--json", "--stack", name).orThrow("pulumi stack output").stdout();
        String state = Engine.run(workDir, Map.of(), Duration.ofMinutes(2),
                "stack", "export", "--stack", name).orThrow("pulumi stack export").stdout();
        return outputs + "\n" + state;
    }

    /** Removes the stack (and its state) from the tests' backend. */
    public void remove() {
        try {
            stack.workspace().removeStack(name);
        } catch (AutomationException e) {
            throw new IllegalStateException("cannot remove stack " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        destroy();
        remove();
    }

    /** The stack's resources in state ({@code pulumi stack export --show-secrets}), by logical name. */
    public List<StateResource> state() {
        Shell.Result export = Engine.run(workDir, Map.of(), Duration.ofMinutes(2),
                "stack", "export", "--show-secrets", "--stack", name).orThrow("pulumi stack export");
        JsonObject deployment = JsonParser.parseString(export.stdout()).getAsJsonObject()
                .getAsJsonObject("deployment");
        var resources = new ArrayList<StateResource>();
        if (deployment.has("resources")) {
            deployment.getAsJsonArray("resources").forEach(r -> {
                JsonObject o = r.getAsJsonObject();
                String urn = o.get("urn").getAsString();
                resources.add(new StateResource(urn, o.get("type").getAsString(), urn.substring(urn.lastIndexOf("::") + 2),
                        o.has("id") ? o.get("id").getAsString() : "",
                        unwrap(o.getAsJsonObject("inputs")), unwrap(o.getAsJsonObject("outputs"))));
            });
        }
        return resources;
    }

    /**
     * Sets {@code property} of the resource {@code logicalName} of {@code type} to {@code value} in
     * state, in its inputs and its outputs ({@code pulumi stack export}, edited, {@code pulumi stack
     * import}): how a test records what another provider reads back on a refresh. Secrets stay
     * encrypted.
     */
    public void setInState(String type, String logicalName, String property, JsonElement value) {
        Shell.Result export = Engine.run(workDir, Map.of(), Duration.ofMinutes(2),
                "stack", "export", "--stack", name).orThrow("pulumi stack export");
        JsonObject state = JsonParser.parseString(export.stdout()).getAsJsonObject();
        int edited = 0;
        for (JsonElement r : state.getAsJsonObject("deployment").getAsJsonArray("resources")) {
            JsonObject o = r.getAsJsonObject();
            String urn = o.get("urn").getAsString();
            if (o.get("type").getAsString().equals(type) && urn.endsWith("::" + logicalName)) {
                o.getAsJsonObject("inputs").add(property, value.deepCopy());
                o.getAsJsonObject("outputs").add(property, value.deepCopy());
                // Our bridge keeps a delta against the raw Terraform state and refuses outputs it
                // no longer applies to; the official docker provider 4.5.1 (an older bridge) keeps
                // none, so the edited resource looks as that provider would have written it.
                o.getAsJsonObject("outputs").remove("__pulumi_raw_state_delta");
                edited++;
            }
        }
        if (edited != 1) {
            throw new IllegalStateException(edited + " resources " + type + " " + logicalName + " in the state of " + name);
        }
        Path file = workDir.resolve("edited-state.json");
        try {
            Files.writeString(file, state.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Engine.run(workDir, Map.of(), Duration.ofMinutes(2), "stack", "import", "--file", file.toString(), "--stack", name)
                .orThrow("pulumi stack import");
    }

    /** One resource in state, secrets decrypted. */
    public record StateResource(String urn, String type, String name, String id, JsonObject inputs, JsonObject outputs) {
        public Optional<String> input(String key) {
            return inputs.has(key) && inputs.get(key).isJsonPrimitive()
                    ? Optional.of(inputs.get(key).getAsString()) : Optional.empty();
        }

        public Map<String, String> environment() {
            var env = new LinkedHashMap<String, String>();
            if (inputs.has("environment")) {
                inputs.getAsJsonObject("environment").entrySet().forEach(e -> env.put(e.getKey(), e.getValue().getAsString()));
            }
            return env;
        }
    }

    public StateResource resource(String type, String logicalName) {
        return state().stream().filter(r -> r.type().equals(type) && r.name().equals(logicalName)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + type + " " + logicalName + " in the state of " + name));
    }

    /** Decrypted secrets in an export are {"<sig>": "<secret sig>", "plaintext": "<json>"}: unwrap them. */
    private static JsonObject unwrap(JsonObject object) {
        if (object == null) {
            return new JsonObject();
        }
        return unwrapElement(object).getAsJsonObject();
    }

    private static JsonElement unwrapElement(JsonElement element) {
        if (element.isJsonObject()) {
            JsonObject o = element.getAsJsonObject();
            if (o.has("plaintext") && o.has("4dabf18193072939515e22adb298388d")) {
                return unwrapElement(JsonParser.parseString(o.get("plaintext").getAsString()));
            }
            var copy = new JsonObject();
            o.entrySet().forEach(e -> copy.add(e.getKey(), unwrapElement(e.getValue())));
            return copy;
        }
        if (element.isJsonArray()) {
            var copy = new com.google.gson.JsonArray();
            element.getAsJsonArray().forEach(e -> copy.add(unwrapElement(e)));
            return copy;
        }
        return element;
    }

    private static void report(String what, String stack, long startedNanos) {
        System.out.printf("engine: %s of %s took %.1f s%n", what, stack, (System.nanoTime() - startedNanos) / 1e9);
    }

    private static StepRecorder stepRecorder() {
        return new StepRecorder();
    }

    /** Records the engine's steps from its event stream, in order, and its closing summary. */
    private static final class StepRecorder {
        private final List<Step> steps = Collections.synchronizedList(new ArrayList<>());
        private volatile Map<OperationType, Integer> changes = Map.of();

        Map<OperationType, Integer> changes() {
            return changes;
        }

        private final Map<String, Long> started = new java.util.concurrent.ConcurrentHashMap<>();
        private final List<String> timings = Collections.synchronizedList(new ArrayList<>());

        /** "name: seconds" for each resource step that took a second or more, in completion order. */
        List<String> slowSteps() {
            return List.copyOf(timings);
        }

        Consumer<EngineEvent> listener() {
            return event -> {
                if (event.resourceOutputsEvent() != null) {
                    String urn = event.resourceOutputsEvent().metadata().urn();
                    Long at = started.remove(urn);
                    if (at != null && System.nanoTime() - at >= 1_000_000_000L) {
                        timings.add(String.format("%s %.1fs", urn.substring(urn.lastIndexOf("::") + 2),
                                (System.nanoTime() - at) / 1e9));
                    }
                }
                if (event.summaryEvent() != null && event.summaryEvent().resourceChanges() != null) {
                    changes = Map.copyOf(event.summaryEvent().resourceChanges());
                }
                if (event.resourcePreEvent() != null) {
                    StepEventMetadata m = event.resourcePreEvent().metadata();
                    String urn = m.urn();
                    started.put(urn, System.nanoTime());
                    steps.add(new Step(m.op(), m.type(), urn.substring(urn.lastIndexOf("::") + 2)));
                }
            };
        }

        List<Step> steps() {
            return List.copyOf(steps);
        }
    }

    /** An engine operation that failed, with the CLI's message. */
    public static final class EngineFailure extends RuntimeException {
        EngineFailure(String what, AutomationException cause) {
            super(what + " failed: " + cause.getMessage(), cause);
        }
    }
}
