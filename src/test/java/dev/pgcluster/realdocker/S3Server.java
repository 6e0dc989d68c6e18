package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A real S3-compatible server for the tests of {@code backupStorage: s3}: VersityGW (an S3
 * gateway, built from its Go module by tools/versitygw/build.sh, cached) with its posix backend,
 * over TLS with a certificate of a CA made here. It runs in a container of the test image on the
 * host's network, listening on the default bridge's gateway address: outside every cluster
 * network, as a store is, and reached by a cluster's containers the way they reach any address
 * outside. The bucket is a directory of this server's own scratch directory, so the tests read
 * what was stored without an S3 client. Everything it makes, it removes on {@link #close()}.
 */
final class S3Server implements AutoCloseable {
    static final String BUCKET = "pg-cluster-backups";
    /** The image's postgres user: the server runs as it, and owns its files. */
    private static final String UID = "999";

    private final String container;
    private final Path dir;
    private final String address;
    private final int port;
    private final String accessKey;
    private final String secretKey;
    private final String caCertificate;

    private S3Server(String container, Path dir, String address, int port, String accessKey, String secretKey,
                     String caCertificate) {
        this.container = container;
        this.dir = dir;
        this.address = address;
        this.port = port;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.caCertificate = caCertificate;
    }

    /**
     * The default bridge's own address on this machine (the server listens there, the cluster's
     * containers reach it there). IPAM's config names it, except on an engine that found its bridge
     * already up when it started (an engine started again): then the bridge interface says it.
     */
    private static String bridgeAddress() {
        String gateway = Docker.ok("network", "inspect", "bridge", "--format", "{{(index .IPAM.Config 0).Gateway}}").strip();
        if (!gateway.isEmpty()) {
            return gateway;
        }
        String bridge = Docker.ok("network", "inspect", "bridge", "--format",
                "{{index .Options \"com.docker.network.bridge.name\"}}").strip();
        var shown = Shell.run(List.of("ip", "-4", "-o", "addr", "show", "dev", bridge), Map.of(), null, Duration.ofSeconds(10));
        assertEquals(0, shown.exitCode(), "the address of the bridge " + bridge + ": " + shown.stderr());
        var inet = java.util.regex.Pattern.compile("\\binet (\\d+\\.\\d+\\.\\d+\\.\\d+)/").matcher(shown.stdout());
        if (!inet.find()) {
            throw new AssertionError("the bridge " + bridge + " has no IPv4 address: " + shown.stdout());
        }
        return inet.group(1);
    }

    static S3Server start(String name) {
        var build = Shell.run(List.of("sh", "tools/versitygw/build.sh"), Map.of(), null, Duration.ofMinutes(15));
        assertEquals(0, build.exitCode(), "building VersityGW: " + build.stderr());
        String binary = Docker.lines(build.stdout()).get(Docker.lines(build.stdout()).size() - 1).strip();
        String address = bridgeAddress();
        int port = RealCluster.freePorts(1).get(0);
        String container = Docker.TEST_STACK_PREFIX + name;
        Path dir;
        try {
            dir = Files.createTempDirectory("pg-cluster-" + container);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String accessKey = random("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 20);
        String secretKey = random("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 40);
        var server = new S3Server(container, dir, address, port, accessKey, secretKey, "");
        try {
            // A CA and the server's certificate for its address; the keys stay in the directory.
            var certs = Shell.script("""
                    set -eu
                    cd "$DIR"
                    mkdir -p conf "data/$BUCKET"
                    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout conf/ca.key \
                        -out conf/ca.crt -days 2 -subj "/CN=pg-cluster test S3 CA" 2>/dev/null
                    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout conf/server.key \
                        -out conf/server.csr -subj "/CN=$ADDRESS" 2>/dev/null
                    printf 'subjectAltName=IP:%s\\nextendedKeyUsage=serverAuth\\n' "$ADDRESS" > conf/server.ext
                    openssl x509 -req -in conf/server.csr -CA conf/ca.crt -CAkey conf/ca.key -CAcreateserial \
                        -days 2 -sha256 -extfile conf/server.ext -out conf/server.crt 2>/dev/null
                    printf '%s' "$ACCESS" > conf/access
                    printf '%s' "$SECRET" > conf/secret
                    chown -R "$UID_:$UID_" .
                    chmod -R go-rwx .
                    """, Map.of("DIR", dir.toString(), "BUCKET", BUCKET, "ADDRESS", address, "ACCESS", accessKey,
                    "SECRET", secretKey, "UID_", UID), null);
            assertEquals(0, certs.exitCode(), "the test S3 server's certificate: " + certs.stderr());
            String ca = Files.readString(dir.resolve("conf/ca.crt")).strip();
            // VersityGW takes its root keys only from flags or its environment: read from files
            // into the environment of its own process, so neither argv nor docker inspect shows them.
            Docker.ok("run", "-d", "--name", container, "--network", "host", "--user", UID + ":" + UID,
                    "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                    "--label", "pg-cluster.role=test-s3",
                    "-v", binary + ":/usr/local/bin/versitygw:ro", "-v", dir + ":/srv/s3",
                    "--entrypoint", "sh", TestImage.reference(), "-c",
                    "ROOT_ACCESS_KEY=$(cat /srv/s3/conf/access) ROOT_SECRET_KEY=$(cat /srv/s3/conf/secret) exec versitygw"
                            + " --port " + address + ":" + port + " --cert /srv/s3/conf/server.crt"
                            + " --key /srv/s3/conf/server.key posix /srv/s3/data");
            awaitListening(address, port, Duration.ofSeconds(30));
            return new S3Server(container, dir, address, port, accessKey, secretKey, ca);
        } catch (RuntimeException | IOException e) {
            server.close();
            throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
        }
    }

    private static void awaitListening(String address, int port, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            try (var socket = new Socket()) {
                socket.connect(new InetSocketAddress(address, port), 1000);
                return;
            } catch (IOException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw new AssertionError("the test S3 server did not listen on " + address + ":" + port);
                }
                Docker.sleep(Duration.ofMillis(200));
            }
        }
    }

    private static String random(String alphabet, int length) {
        var random = new SecureRandom();
        var out = new StringBuilder();
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }

    /** {@code backupS3Endpoint}: the address and port. */
    String endpoint() {
        return address + ":" + port;
    }

    String accessKey() {
        return accessKey;
    }

    String secretKey() {
        return secretKey;
    }

    /** The CA certificate that signed the server's ({@code backupS3CaCertificate}). */
    String caCertificate() {
        return caCertificate;
    }

    /** The bucket's directory: each object is a file below it. */
    Path bucket() {
        return dir.resolve("data").resolve(BUCKET);
    }

    /** The stack config for a repository in this server's bucket. */
    Map<String, String> stackConfig() {
        return Map.of("backupStorage", "s3", "backupS3Endpoint", endpoint(), "backupS3Bucket", BUCKET,
                "backupS3UriStyle", "path", "backupS3CaCertificate", caCertificate, "backupS3AccessKey", accessKey,
                "backupS3SecretKey", secretKey);
    }

    @Override
    public void close() {
        // -v: the test image declares a volume, and its container got an anonymous one.
        Docker.run("rm", "-f", "-v", container);
        // Owned by the server's user: removed by a container as root, then the directory itself.
        Docker.run("run", "--rm", "--network", "none", "-v", dir + ":/srv/s3", "--entrypoint", "sh",
                TestImage.reference(), "-c", "rm -rf /srv/s3/* /srv/s3/.[!.]*");
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
