package dev.pgcluster.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Compares generated text with a checked-in file under {@code src/test/resources/golden/}.
 * Run with {@code -Dgolden.update=true} to rewrite the files after an intended change, then
 * review the diff.
 */
public final class Golden {
    private static final Path DIR = Path.of("src/test/resources/golden");

    private Golden() {
    }

    public static void assertMatches(String file, String actual) {
        Path path = DIR.resolve(file);
        try {
            if (Boolean.getBoolean("golden.update")) {
                Files.createDirectories(path.getParent());
                Files.writeString(path, actual, StandardCharsets.UTF_8);
            }
            if (!Files.exists(path)) {
                throw new AssertionError("missing golden file " + path + "; run with -Dgolden.update=true and review it");
            }
            assertEquals(Files.readString(path, StandardCharsets.UTF_8), actual, "differs from golden file " + path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
