package dev.pgcluster.config;

import java.util.Optional;

/**
 * An S3-compatible object store as the backup repository ({@code backupStorage: s3}, README:
 * Backups and recovery): pgBackRest's {@code repo1-type=s3}, always over TLS with the server's
 * certificate verified. The keys are secrets: they reach only the repository's config volume
 * ({@code conf.d/secrets.conf}, 0600), never a node.
 *
 * @param endpoint      the store's host name or IPv4 address, without scheme or port
 * @param port          its HTTPS port (443 unless the endpoint names one)
 * @param bucket        the bucket; it must exist
 * @param region        the region the requests are signed for
 * @param uriStyle      {@code host} (bucket.endpoint) or {@code path} (endpoint/bucket)
 * @param path          the repository's path in the bucket
 * @param caCertificate PEM certificates to verify the store's certificate with; empty for the
 *                      image's system CAs
 * @param accessKey     the access key ID
 * @param secretKey     the secret access key
 */
public record S3Settings(String endpoint, int port, String bucket, String region, String uriStyle, String path,
                         Optional<String> caCertificate, Secret accessKey, Secret secretKey) {
    public static final String DEFAULT_REGION = "us-east-1";
    public static final String DEFAULT_URI_STYLE = "host";
    public static final String DEFAULT_PATH = "/pgbackrest";
    public static final int DEFAULT_PORT = 443;
}
