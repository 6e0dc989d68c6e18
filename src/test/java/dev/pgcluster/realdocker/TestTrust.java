package dev.pgcluster.realdocker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CA certificates the tests trust, as a client that saved every stack's {@code caCertificate}
 * output does: one PEM file ({@code target/test-trust/root.crt}) that every stack's CA certificates
 * are added to when its outputs are read. JDBC connections ({@link Sql#connect}) and psql in a
 * container ({@link #psqlArgs()}) check the servers' certificates against it; a test that wants
 * another trust passes {@code sslrootcert} itself.
 */
public final class TestTrust {
    private static final Path FILE = Path.of("target", "test-trust", "root.crt").toAbsolutePath();
    private static final Pattern CERTIFICATE =
            Pattern.compile("-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", Pattern.DOTALL);
    /** Where {@link #psqlArgs()} mounts the file in a container. */
    private static final String IN_CONTAINER = "/etc/pg-cluster-test/root.crt";

    private TestTrust() {
    }

    /** The PEM file. */
    public static synchronized Path file() {
        try {
            Files.createDirectories(FILE.getParent());
            if (!Files.exists(FILE)) {
                Files.writeString(FILE, "");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return FILE;
    }

    /** Adds every certificate in {@code pem} that the file does not hold yet. */
    public static synchronized void add(String pem) {
        if (pem == null || pem.isBlank()) {
            return;
        }
        try {
            String held = Files.readString(file(), StandardCharsets.UTF_8);
            var added = new ArrayList<String>();
            for (String certificate : certificates(pem)) {
                if (!held.contains(certificate)) {
                    added.add(certificate);
                }
            }
            if (!added.isEmpty()) {
                Files.writeString(FILE, held + String.join("\n", added) + "\n", StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every PEM certificate in {@code pem}, in order. */
    public static List<String> certificates(String pem) {
        var found = new ArrayList<String>();
        Matcher m = CERTIFICATE.matcher(pem);
        while (m.find()) {
            found.add(m.group());
        }
        return found;
    }

    /** {@code docker run} options that give psql in the container this trust ({@code PGSSLROOTCERT}). */
    public static List<String> psqlArgs() {
        return List.of("-v", file() + ":" + IN_CONTAINER + ":ro", "-e", "PGSSLROOTCERT=" + IN_CONTAINER);
    }
}
