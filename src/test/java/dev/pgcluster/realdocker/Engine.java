package dev.pgcluster.realdocker;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The real Pulumi engine as the tests use it: the {@code pulumi} CLI found on PATH (built by
 * {@code tools/pulumi/build.sh}, or the official one) with its plugins, a local file backend
 * and a Pulumi home of the tests' own under {@code target/engine/}, so nothing of the user's
 * Pulumi state is read or written.
 */
public final class Engine {
    /** The test stacks' secrets passphrase (their state lives under target/ and is thrown away). */
    public static final String PASSPHRASE = "pg-cluster-tests";
    /** Where the tests' backend, Pulumi home and stack work directories live. */
    public static final Path ROOT = Path.of("target", "engine").toAbsolutePath();

    private Engine() {
    }

    /** The {@code pulumi} executable on PATH, if any. */
    public static Optional<Path> cli() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "pulumi");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    public static Path backend() {
        return ROOT.resolve("state");
    }

    public static Path home() {
        return ROOT.resolve("home");
    }

    /** Environment for every CLI run of the tests. */
    public static Map<String, String> environment() {
        try {
            Files.createDirectories(backend());
            Files.createDirectories(home());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var env = new LinkedHashMap<String, String>();
        env.put("PULUMI_BACKEND_URL", backend().toUri().toString());
        env.put("PULUMI_HOME", home().toString());
        env.put("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE);
        env.put("PULUMI_SKIP_UPDATE_CHECK", "true");
        // CI sets it (every plugin is on PATH, and nothing may be downloaded); with the official
        // CLI on a developer's machine the engine may install the pinned plugins itself.
        String noDownloads = System.getenv("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION");
        if (noDownloads != null) {
            env.put("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", noDownloads);
        }
        // The Automation API checks the CLI's version against its own minimum; ours is newer.
        env.put("PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK", "true");
        return env;
    }

    /** Runs {@code pulumi args…} in {@code workDir} with the tests' environment plus {@code extraEnv}. */
    public static Shell.Result run(Path workDir, Map<String, String> extraEnv, Duration limit, String... args) {
        var command = new ArrayList<String>();
        command.add(cli().orElseThrow(() -> new IllegalStateException("no pulumi on PATH")).toString());
        command.addAll(List.of(args));
        var env = new LinkedHashMap<>(environment());
        env.putAll(extraEnv);
        return Shell.run(command, env, null, limit, workDir);
    }
}
