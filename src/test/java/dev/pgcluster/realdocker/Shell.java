package dev.pgcluster.realdocker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a local process to completion with a time limit, capturing both streams. */
public final class Shell {
    private Shell() {
    }

    /** What a finished process left behind. */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        public Result orThrow(String what) {
            if (exitCode != 0) {
                throw new IllegalStateException(what + " failed with exit status " + exitCode + ": " + stderr.strip()
                        + (stdout.isBlank() ? "" : "\nstdout: " + stdout.strip()));
            }
            return this;
        }
    }

    /** A step's script run as the command provider runs it: {@code /bin/sh -c}, environment, stdin. */
    static Result script(String script, Map<String, String> env, String stdin) {
        return run(List.of("/bin/sh", "-c", script), env,
                stdin == null ? null : stdin.getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(15));
    }

    static Result run(List<String> command, Map<String, String> extraEnv, byte[] stdin, Duration limit) {
        return run(command, extraEnv, stdin, limit, null);
    }

    /** {@link #run(List, Map, byte[], Duration)} in working directory {@code dir} (null: ours). */
    public static Result run(List<String> command, Map<String, String> extraEnv, byte[] stdin, Duration limit, Path dir) {
        var builder = new ProcessBuilder(command);
        builder.environment().putAll(extraEnv);
        if (dir != null) {
            builder.directory(dir.toFile());
        }
        try {
            Process process = builder.start();
            CompletableFuture<byte[]> out = drain(process.getInputStream());
            CompletableFuture<byte[]> err = drain(process.getErrorStream());
            try (OutputStream in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException closedEarly) {
                // The process did not read all of its input; its exit status tells the rest.
            }
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command.subList(0, Math.min(3, command.size())))
                        + " did not finish within " + limit);
            }
            return new Result(process.exitValue(), new String(out.join(), StandardCharsets.UTF_8),
                    new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static CompletableFuture<byte[]> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream; var buffer = new ByteArrayOutputStream()) {
                stream.transferTo(buffer);
                return buffer.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
