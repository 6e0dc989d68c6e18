package dev.pgcluster.policy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.GsonBuilder;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.TlsSettings;
import dev.pgcluster.config.WalSettings;
import dev.pgcluster.testing.DeclaredResource;
import dev.pgcluster.testing.DeclaredStack;
import dev.pgcluster.testing.TestConfigs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Writes what the program declares for each shipped stack to {@code target/declared/<stack>.json},
 * the input of the policy pack's tests ({@code policies/tests/program.test.ts}), plus {@code prod-none}
 * (the production stack on {@code ha: none}, which the pack refuses for that alone) and {@code bad}:
 * a declaration the config reader would refuse, built by hand to prove the pack catches it too.
 */
class DeclaredResourcesExportTest {
    static final Path OUT = Path.of("target", "declared");

    @ParameterizedTest
    @ValueSource(strings = {"dev", "staging", "prod"})
    void writesTheDeclarationOfEachShippedStack(String stack) throws IOException {
        write(stack, TestConfigs.shipped(stack));
    }

    /**
     * The production stack on {@code ha: none}: what the pack's production-automatic-failover rule
     * refuses, and only that rule.
     */
    @Test
    void writesTheDeclarationOfAProductionStackWithoutAutomaticFailover() throws IOException {
        write("prod-none", TestConfigs.shippedOnHaNone("prod"));
    }

    /** Public port, unpinned image, unbounded slot WAL, no TLS: each must draw exactly its policy violation. */
    @Test
    void writesADeliberatelyBadDeclaration() throws IOException {
        String stack = "bad";
        ClusterConfig good = TestConfigs.config(stack, "replicas", "1", "publishAddress", "0.0.0.0");
        ClusterConfig bad = new ClusterConfig(good.project(), good.stack(), good.namePrefix(), good.environment(),
                "postgres:latest", true, good.subnet(), good.publishAddress(), good.nodes(),
                new WalSettings(good.wal().walKeepSize(), "-1"), good.sync(), good.limits(), good.maxConnections(), good.retainVolumes(),
                good.database(), good.replicationUser(), good.superuserPassword(), good.replicationPassword(),
                good.baseBackupAttempts(), good.healthTimeoutSeconds(), good.streamingGraceSeconds(), good.readMaxLagBytes(), good.defaultDockerHost(), good.acceptDataLoss(),
                good.clientRoles(), good.passwordGeneration(), TlsSettings.OFF, good.monitoring(), good.ha(),
                good.dockerHosts(), good.lostHosts(), good.swarmOverlay(), good.backup(), good.restore());
        write(stack, bad);
    }

    private static void write(String stack, ClusterConfig config) throws IOException {
        DeclaredStack declared = DeclaredStack.of(config);
        var resources = declared.resources().stream()
                .filter(r -> !r.type().equals("pulumi:pulumi:Stack"))
                .map(r -> json(config, r)).toList();
        var doc = new LinkedHashMap<String, Object>();
        doc.put("project", config.project());
        doc.put("stack", stack);
        doc.put("resources", resources);
        Files.createDirectories(OUT);
        Path file = OUT.resolve(stack + ".json");
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(doc));
        assertTrue(Files.size(file) > 0);
    }

    private static Map<String, Object> json(ClusterConfig config, DeclaredResource r) {
        var options = new LinkedHashMap<String, Object>();
        options.put("retainOnDelete", r.retainOnDelete());
        options.put("protect", false);
        options.put("dependsOn", r.dependsOn());
        options.put("parent", r.parent().orElse(null));
        var json = new LinkedHashMap<String, Object>();
        json.put("type", r.type());
        json.put("name", r.name());
        json.put("urn", "urn:pulumi:" + config.stack() + "::" + config.project() + "::" + r.type() + "::" + r.name());
        json.put("props", r.plainInputs());
        json.put("secretProps", List.copyOf(r.secretInputs()));
        json.put("options", options);
        return json;
    }
}
