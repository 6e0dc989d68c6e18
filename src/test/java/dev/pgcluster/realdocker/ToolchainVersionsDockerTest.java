package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Empty;
import dev.pgcluster.command.Command;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import pulumirpc.ResourceProviderGrpc;

/**
 * The CLI uses a provider plugin found on PATH whatever its version, so the versions are ours to
 * guarantee: each provider plugin the engine would run answers GetPluginInfo with exactly the
 * version the program pins (com.pulumi:docker's in the pom, the command binding's version.txt).
 */
@RequiresDocker
class ToolchainVersionsDockerTest {

    @ParameterizedTest
    @CsvSource({"docker", "command"})
    void everyProviderPluginIsTheVersionTheProgramPins(String provider) throws Exception {
        String pinned = provider.equals("command") ? Command.providerVersion() : dockerSdkVersion();
        Path plugin = plugin(provider, pinned).orElseThrow(() -> new AssertionError(
                "no pulumi-resource-" + provider + " on PATH nor installed as " + provider + " v" + pinned));
        assertEquals(pinned, pluginInfoVersion(plugin).replaceFirst("^v", ""), plugin.toString());
    }

    /** The plugin on PATH (what the CLI prefers), else the one the CLI installed for that version. */
    private static Optional<Path> plugin(String provider, String version) {
        for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "pulumi-resource-" + provider);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        Path home = Path.of(Optional.ofNullable(System.getenv("PULUMI_HOME"))
                .orElse(System.getProperty("user.home") + "/.pulumi"));
        Path installed = home.resolve("plugins").resolve("resource-" + provider + "-v" + version)
                .resolve("pulumi-resource-" + provider);
        return Files.isExecutable(installed) ? Optional.of(installed) : Optional.empty();
    }

    /** Starts the plugin as the engine does (it prints its gRPC port) and asks it its version. */
    private static String pluginInfoVersion(Path plugin) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(plugin.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String port;
            try (var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                port = out.readLine();
                assertTrue(port != null && port.strip().matches("\\d+"), plugin + " printed no port: " + port);
                ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", Integer.parseInt(port.strip()))
                        .usePlaintext().build();
                try {
                    return ResourceProviderGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                            .getPluginInfo(Empty.getDefaultInstance()).getVersion();
                } finally {
                    channel.shutdownNow();
                }
            }
        } finally {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
            process.destroyForcibly();
        }
    }

    private static String dockerSdkVersion() throws IOException {
        try (var in = com.pulumi.docker.Provider.class.getResourceAsStream("/com/pulumi/docker/plugin.json")) {
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return com.google.gson.JsonParser.parseString(json).getAsJsonObject().get("version").getAsString();
        }
    }
}
