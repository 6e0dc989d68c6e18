package dev.pgcluster.testing;

import com.google.gson.GsonBuilder;
import dev.pgcluster.config.HostPlacement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Docker hosts for tests of {@code dockerHosts} and {@code placement}: TLS client directories
 * and the config values as the program gets them (a YAML map in the stack file reaches it as JSON).
 */
public final class TestHosts {
    public static final String H1_ENDPOINT = "tcp://10.0.0.11:2376";
    public static final String H2_ENDPOINT = "tcp://10.0.0.12:2376";
    public static final String H3_ENDPOINT = "tcp://10.0.0.13:2376";
    /** The port pg0 publishes; pg1 and pg2 get the next ones, as on one host. */
    public static final int PRIMARY_PORT = 6000;

    private TestHosts() {
    }

    /**
     * A directory laid out as the docker CLI's TLS client files ({@code ca.pem}, {@code cert.pem},
     * {@code key.pem}), empty: the reader checks that they are there, never what they hold.
     */
    public static Path certDirectory(Path parent, String name) {
        try {
            Path dir = Files.createDirectories(parent.resolve(name));
            for (String file : HostPlacement.CERT_FILES) {
                Files.writeString(dir.resolve(file), "");
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A config value as Pulumi hands a YAML map of the stack file to the program: JSON text. */
    public static String json(Object value) {
        return new GsonBuilder().disableHtmlEscaping().create().toJson(value);
    }

    /** A host reached over tcp:// with TLS client files; its address is the endpoint's. */
    public static Map<String, String> tlsHost(String endpoint, Path certPath) {
        var host = new LinkedHashMap<String, String>();
        host.put("endpoint", endpoint);
        host.put("certPath", certPath.toString());
        return host;
    }

    /**
     * Three Docker engines over TLS (h1, h2, h3 at 10.0.0.11 to 10.0.0.13, each with client files of
     * its own under {@code certs}), a primary and two standbys one on each: pg0 on h1, pg1 on h2,
     * pg2 on h3, publishing {@link #PRIMARY_PORT} and the next ports. Keys without namespace.
     */
    public static Map<String, String> threeTlsHosts(Path certs) {
        var hosts = new LinkedHashMap<String, Object>();
        hosts.put("h1", tlsHost(H1_ENDPOINT, certDirectory(certs, "h1")));
        hosts.put("h2", tlsHost(H2_ENDPOINT, certDirectory(certs, "h2")));
        hosts.put("h3", tlsHost(H3_ENDPOINT, certDirectory(certs, "h3")));
        return withHosts(hosts, Map.of("pg0", "h1", "pg1", "h2", "pg2", "h3"));
    }

    /** Two replicas, {@link #PRIMARY_PORT}, and these {@code dockerHosts} and {@code placement}. */
    public static Map<String, String> withHosts(Map<String, ?> hosts, Map<String, String> placement) {
        var values = new LinkedHashMap<String, String>();
        values.put("replicas", "2");
        values.put("primaryPort", String.valueOf(PRIMARY_PORT));
        values.put("dockerHosts", json(hosts));
        values.put("placement", json(new TreeMap<>(placement)));
        return values;
    }
}
