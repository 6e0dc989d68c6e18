package dev.pgcluster.testing;

import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;
import static org.mockito.Mockito.withSettings;

import com.pulumi.Config;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.ConfigReader;
import dev.pgcluster.config.RuntimeConfigInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.mockito.quality.Strictness;
import org.yaml.snakeyaml.Yaml;

/**
 * Builds {@link ClusterConfig}s the way the program does — through {@link ConfigReader} — from a
 * mocked {@link Config} (PulumiTest cannot pass stack config; pulumi-java issue 1333).
 */
public final class TestConfigs {
    public static final String PROJECT = "pg-cluster";
    public static final Set<String> SECRET_KEYS = Set.of("superuserPassword", "replicationPassword", "appPassword",
            "monitoringPassword", "backupPassphrase", "backupS3AccessKey", "backupS3SecretKey");

    private TestConfigs() {
    }

    /** A mocked config bag holding {@code values} (keys without namespace). */
    public static Config mockConfig(Map<String, String> values) {
        Config config = mock(Config.class, withSettings().strictness(Strictness.LENIENT));
        when(config.get(anyString())).thenAnswer(inv -> Optional.ofNullable(values.get(inv.<String>getArgument(0))));
        return config;
    }

    /** What the runtime would say: these keys are set, the password keys among them as secrets. */
    public static RuntimeConfigInfo runtime(Map<String, String> values) {
        return new RuntimeConfigInfo(
                Optional.of(values.keySet().stream().map(k -> PROJECT + ":" + k).collect(Collectors.toSet())),
                Optional.of(values.keySet().stream().filter(SECRET_KEYS::contains)
                        .map(k -> PROJECT + ":" + k).collect(Collectors.toSet())));
    }

    public static ClusterConfig read(String stack, Map<String, String> values) {
        return ConfigReader.read(mockConfig(values), PROJECT, stack, runtime(values));
    }

    /** Config for a test stack: {@code values} on top of nothing but defaults. */
    public static ClusterConfig config(String stack, String... keyValues) {
        var values = new LinkedHashMap<String, String>();
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put(keyValues[i], keyValues[i + 1]);
        }
        return read(stack, values);
    }

    /** The values of a shipped {@code Pulumi.<stack>.yaml}, keys without namespace. */
    public static Map<String, String> shippedStack(String stack) {
        Path file = Path.of("Pulumi." + stack + ".yaml");
        try (InputStream in = Files.newInputStream(file)) {
            Map<String, Object> yaml = new Yaml().load(in);
            @SuppressWarnings("unchecked")
            var config = (Map<String, Object>) yaml.get("config");
            var values = new HashMap<String, String>();
            config.forEach((k, v) -> {
                if (!k.startsWith(PROJECT + ":")) {
                    throw new IllegalStateException(file + ": unexpected key " + k);
                }
                values.put(k.substring(PROJECT.length() + 1), String.valueOf(v));
            });
            return values;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ClusterConfig shipped(String stack) {
        return read(stack, shippedStack(stack));
    }

    /**
     * A shipped stack's shape (sizes, synchronous commit, limits, ports, environment) on
     * {@code ha: none}, for tests of that mode now that staging and production ship
     * {@code ha: patroni}: without {@code ha}, the keys only Patroni reads, and the Patroni image
     * (so the default image, pulled). The dev stack comes back as shipped.
     */
    public static Map<String, String> shippedStackOnHaNone(String stack) {
        var values = shippedStack(stack);
        if ("patroni".equals(values.remove("ha"))) {
            values.remove("image");
            values.remove("pullImage");
            ConfigReader.PATRONI_KEYS.forEach(values::remove);
            // backup: on when the stack says so, or by default outside development.
            boolean backup = values.containsKey("backup") ? "true".equals(values.get("backup"))
                    : !"development".equals(values.getOrDefault("environment", "development"));
            if (backup) {
                // ha: none's image for backups (images/pgbackrest/Dockerfile): the official one has no pgBackRest.
                values.put("image", "pg-cluster/postgres-pgbackrest:17.6-2.55.1");
            }
        }
        return values;
    }

    public static ClusterConfig shippedOnHaNone(String stack) {
        return read(stack, shippedStackOnHaNone(stack));
    }
}
