package dev.pgcluster.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import com.pulumi.bootstrap.internal.Main;
import com.pulumi.core.Output;
import com.pulumi.core.annotations.ResourceType;
import com.pulumi.serialization.internal.Serializer;
import com.pulumi.test.internal.PulumiTestInternal;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import dev.pgcluster.testing.DeclaredResource;
import dev.pgcluster.testing.DeclaredStack;
import dev.pgcluster.testing.TestConfigs;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The hand-written binding of the official pulumi-command provider's local Command. */
class CommandBindingTest {
    /** Input names of command:local:Command in the provider's schema (pulumi-command 1.x). */
    private static final Set<String> SCHEMA_INPUTS = Set.of("addPreviousOutputInEnv", "archivePaths", "assetPaths",
            "create", "delete", "dir", "environment", "interpreter", "logging", "stdin", "triggers", "update");

    @Test
    void usesTheProvidersTypeToken() {
        assertEquals("command:local:Command", Command.class.getAnnotation(ResourceType.class).type());
        assertEquals("command:local:Command", Command.TYPE);
    }

    @Test
    void bindsInputsByTheirSchemaNames() {
        var args = CommandArgs.builder()
                .create("c").update("u").delete("d")
                .environment(Map.of("K", "V"))
                .stdin(Output.ofSecret("s"))
                .triggers(Output.of(List.of("t")))
                .logging(Logging.NONE)
                .addPreviousOutputInEnv(false)
                .build();
        @SuppressWarnings("unchecked")
        var serialized = (Map<String, Object>) new Serializer(PulumiTestInternal.mockLog())
                .serializeAsync("args", args, false).join();
        assertEquals(Set.of("create", "update", "delete", "environment", "stdin", "triggers", "logging",
                "addPreviousOutputInEnv"), serialized.keySet());
        assertTrue(SCHEMA_INPUTS.containsAll(serialized.keySet()));
        assertEquals("none", serialized.get("logging"));
        assertEquals(Map.of("K", "V"), serialized.get("environment"));
        assertTrue(DeclaredResource.isSecret(serialized.get("stdin")), "stdin keeps its secretness");
    }

    @Test
    void loggingValuesAreTheSchemasEnumValues() {
        assertEquals(List.of("stdout", "stderr", "stdoutAndStderr", "none"),
                List.of(Logging.values()).stream().map(Logging::getValue).toList());
    }

    @Test
    void refusesACommandWithoutCreate() {
        var e = assertThrows(IllegalArgumentException.class, () -> CommandArgs.builder().delete("x").build());
        assertEquals("CommandArgs: create is required by this program", e.getMessage());
    }

    /** What the Java language host runs to learn which provider plugins to install. */
    @Test
    void shipsPluginMetadataSoTheLanguageHostInstallsTheOfficialProvider() {
        var out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            Main.main(new String[] {"packages"});
        } finally {
            System.setOut(original);
        }
        var plugins = new java.util.HashMap<String, String>();
        JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonArray().forEach(p -> {
            var plugin = p.getAsJsonObject();
            assertTrue(plugin.get("resource").getAsBoolean());
            plugins.put(plugin.get("name").getAsString(), plugin.get("version").getAsString());
        });
        assertEquals(Map.of("command", "1.1.3", "docker", "4.5.1"), plugins);
        assertEquals("1.1.3", Command.providerVersion());
    }

    @Test
    void everyCommandResourceAsksForThePinnedProviderVersion() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "2"));
        var commands = stack.ofType(Command.TYPE);
        // four password generators (superuser, replication, application, monitoring) and the key
        // of the verifiers' salts, the CA, the cluster's primary and password steps, a hand-over, a
        // conf, a seed and a readiness step per node, and per standby a slot and a conninfo step
        assertEquals(5 + 1 + 2 + 4 * 3 + 2 * 2, commands.size());
        commands.forEach(c -> assertEquals(java.util.Optional.of("1.1.3"), c.version(), c.name()));
        commands.forEach(c -> assertEquals(List.of("triggers"), c.replaceOnChanges(), c.name()));
    }
}
