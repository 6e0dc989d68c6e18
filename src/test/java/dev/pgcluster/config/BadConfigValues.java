package dev.pgcluster.config;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Every kind of invalid config value with the exact message it must produce. Used by the unit
 * layer (the reader) and by the real-Docker layer (the whole program against the engine).
 */
public final class BadConfigValues {
    private static final String RESERVED_ROLE = "a role name PostgreSQL does not reserve (not public, none, samerole, samegroup or an SQL key word such as all, user, current_user or session_user)";

    private BadConfigValues() {
    }

    /** An image with Patroni in it, as a user would build it (never pulled: each case fails before). */
    /** An image with pgBackRest, for the cases of backup: true that are about something else. */
    static final String BACKUP_IMAGE = "registry.example.com/pg-cluster/postgres-pgbackrest:17.6-2.55.1";
    static final String PATRONI_IMAGE = "registry.example.com/pg-cluster/patroni:17.6-4.0.7";

    /** What {@code dockerHost} (and {@code docker:host}) allows, as every refusal of one says it. */
    public static final String DOCKER_HOSTS_ALLOWED = "a Docker host URL: unix://…, npipe://…, ssh://user@host, or "
            + "tcp:// on a loopback address (127.0.0.0/8, localhost, [::1]); a remote Docker engine over plain tcp:// "
            + "gives root on that host and carries every secret in clear: use ssh:// (or tcp:// with TLS: a host of "
            + "dockerHosts with certPath)";

    /** A valid {@code backupStorage: s3} config with {@code changes} applied (a null value removes a key). */
    private static Map<String, String> s3(String... changes) {
        var values = new java.util.HashMap<>(Map.of("backup", "true", "image", BACKUP_IMAGE, "backupStorage", "s3",
                "backupS3Endpoint", "s3.eu-west-1.amazonaws.com", "backupS3Bucket", "acme-pg-backups",
                "backupS3AccessKey", "AKIAEXAMPLEEXAMPLE00", "backupS3SecretKey", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        for (int i = 0; i < changes.length; i += 2) {
            if (changes[i + 1] == null) {
                values.remove(changes[i]);
            } else {
                values.put(changes[i], changes[i + 1]);
            }
        }
        return Map.copyOf(values);
    }

    public static Stream<Arguments> all() {
        return Stream.of(
                Arguments.of(Map.of("ha", "patrony"), "pg-cluster:ha = \"patrony\" is not allowed: none or patroni"),
                Arguments.of(Map.of("ha", "patroni", "image", PATRONI_IMAGE, "dcsMembers", "1"), "pg-cluster:dcsMembers = "
                        + "\"1\" is not allowed: 3, 5 or 7 (an odd number of etcd members, at least 3 so that one may fail)"),
                Arguments.of(Map.of("ha", "patroni", "image", PATRONI_IMAGE, "replicas", "2", "primary", "pg3"),
                        "pg-cluster:primary = \"pg3\" is not allowed: a node of this stack: pg0, pg1, pg2 (pg0 plus one per replica; "
                        + "raise pg-cluster:replicas to add nodes)"),
                Arguments.of(Map.of("dcsMembers", "3"), "pg-cluster:dcsMembers = \"3\" is not allowed: it applies only with "
                        + "pg-cluster:ha = \"patroni\" (pg-cluster:ha is \"none\")"),
                Arguments.of(Map.of("ha", "patroni", "image", "postgres:17.6"), "pg-cluster:image = \"postgres:17.6\" is not "
                        + "allowed with pg-cluster:ha = \"patroni\": the official postgres image has no Patroni; build "
                        + "images/patroni/Dockerfile and set pg-cluster:image to that image (README: Automatic failover)"),
                Arguments.of(Map.of("ha", "patroni", "image", PATRONI_IMAGE, "tls", "false"), "pg-cluster:tls = \"false\" is "
                        + "not allowed with pg-cluster:ha = \"patroni\": Patroni's REST API and etcd carry the cluster's "
                        + "control and run over TLS only"),
                Arguments.of(Map.of("ha", "patroni", "image", PATRONI_IMAGE, "patroniLoopWait", "10"), "pg-cluster:patroniLoopWait "
                        + "+ 2 × pg-cluster:patroniRetryTimeout = 10 + 2 × 7 is not allowed: Patroni needs it at most "
                        + "pg-cluster:patroniTtl (20)"),
                Arguments.of(Map.of("ha", "patroni", "image", PATRONI_IMAGE, "patroniTtl", "10"), "pg-cluster:patroniTtl = "
                        + "\"10\" is not allowed: a whole number from 20 to 3600"),
                Arguments.of(Map.of("ha", "patroni", "image", PATRONI_IMAGE, "acceptDataLoss", "pg1@0/3000000"),
                        "pg-cluster:acceptDataLoss is not allowed with pg-cluster:ha = \"patroni\": Patroni decides failovers, "
                        + "and pg-cluster:maximumLagOnFailover bounds what one may lose"),
                Arguments.of(Map.of("ha", "patroni", "image", PATRONI_IMAGE, "replicas", "0"), "pg-cluster:replicas = \"0\" is "
                        + "not allowed with pg-cluster:ha = \"patroni\": at least 1, a node to fail over to"),
                Arguments.of(Map.of("replicas", "-1"), "pg-cluster:replicas = \"-1\" is not allowed: a whole number from 0 to 10"),
                Arguments.of(Map.of("replicas", "11"), "pg-cluster:replicas = \"11\" is not allowed: a whole number from 0 to 10"),
                Arguments.of(Map.of("replicas", "two"), "pg-cluster:replicas = \"two\" is not allowed: a whole number from 0 to 10"),
                Arguments.of(Map.of("synchronous", "all"), "pg-cluster:synchronous = \"all\" is not allowed: off, \"first <n>\" "
                        + "or \"any <n>\" with n at least 1 (e.g. any 1)"),
                Arguments.of(Map.of("replicas", "2", "synchronous", "first 3"), "pg-cluster:synchronous = \"first 3\" is not "
                        + "allowed: n must be at most the number of replicas (2)"),
                Arguments.of(Map.of("replicas", "0", "synchronous", "any 1"), "pg-cluster:synchronous = \"any 1\" is not "
                        + "allowed: n must be at most the number of replicas (0)"),
                Arguments.of(Map.of("synchronousCommit", "maybe"), "pg-cluster:synchronousCommit = \"maybe\" is not allowed: "
                        + "one of on, remote_apply, remote_write, local, off"),
                Arguments.of(Map.of("primaryPort", "70000"), "pg-cluster:primaryPort = \"70000\" is not allowed: a whole "
                        + "number from 1 to 65535"),
                Arguments.of(Map.of("primaryPort", "0"), "pg-cluster:primaryPort = \"0\" is not allowed: a whole number from 1 to 65535"),
                Arguments.of(Map.of("replicas", "2", "primaryPort", "65535"), "pg-cluster:primaryPort = \"65535\" is not allowed: "
                        + "replicas get the next 2 ports, which must stay at or below 65535; lower it or set pg-cluster:replicaPorts"),
                Arguments.of(Map.of("replicas", "2", "replicaPorts", "[5432, 5433]"), "pg-cluster:replicaPorts = \"[5432, 5433]\" "
                        + "is not allowed: ports that differ from each other and from pg-cluster:primaryPort (5432 is used twice)"),
                Arguments.of(Map.of("replicas", "2", "replicaPorts", "[6000, 6000]"), "pg-cluster:replicaPorts = \"[6000, 6000]\" "
                        + "is not allowed: ports that differ from each other and from pg-cluster:primaryPort (6000 is used twice)"),
                Arguments.of(Map.of("replicas", "2", "replicaPorts", "[6000]"), "pg-cluster:replicaPorts = \"[6000]\" is not "
                        + "allowed: exactly one port per replica (2 replicas)"),
                Arguments.of(Map.of("subnet", "10.89.0.0/33"), "pg-cluster:subnet = \"10.89.0.0/33\" is not allowed: a private "
                        + "IPv4 network in CIDR form (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 ranges), prefix /16 to /28, "
                        + "host bits zero, with room for 2 nodes (e.g. 10.89.0.0/24)"),
                Arguments.of(Map.of("subnet", "0.0.0.0/0"), "pg-cluster:subnet = \"0.0.0.0/0\" is not allowed: a private "
                        + "IPv4 network in CIDR form (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 ranges), prefix /16 to /28, "
                        + "host bits zero, with room for 2 nodes (e.g. 10.89.0.0/24)"),
                Arguments.of(Map.of("image", "postgres"), "pg-cluster:image = \"postgres\" is not allowed: a pinned image "
                        + "reference: name:tag with a version tag (e.g. postgres:17.6) or name@sha256:<digest>; not a bare name "
                        + "and not :latest"),
                Arguments.of(Map.of("image", "postgres:latest"), "pg-cluster:image = \"postgres:latest\" is not allowed: a "
                        + "pinned image reference: name:tag with a version tag (e.g. postgres:17.6) or name@sha256:<digest>; "
                        + "not a bare name and not :latest"),
                Arguments.of(Map.of("image", "Not An Image"), "pg-cluster:image = \"Not An Image\" is not allowed: a pinned "
                        + "image reference: name:tag with a version tag (e.g. postgres:17.6) or name@sha256:<digest>; not a "
                        + "bare name and not :latest"),
                Arguments.of(Map.of("pullImage", "yes"), "pg-cluster:pullImage = \"yes\" is not allowed: true or false"),
                Arguments.of(Map.of("retainVolumesOnDelete", "ture"), "pg-cluster:retainVolumesOnDelete = \"ture\" is not "
                        + "allowed: true or false"),
                Arguments.of(Map.of("publishAddress", "localhost"), "pg-cluster:publishAddress = \"localhost\" is not allowed: "
                        + "an IPv4 address such as 127.0.0.1 (0.0.0.0 publishes on all interfaces)"),
                Arguments.of(Map.of("maxSlotWalKeepSize", "-1"), "pg-cluster:maxSlotWalKeepSize = \"-1\" is not allowed: a "
                        + "positive PostgreSQL size with unit kB, MB, GB or TB (e.g. 1GB); -1 (unbounded) is not allowed"),
                Arguments.of(Map.of("walKeepSize", "1 gig"), "pg-cluster:walKeepSize = \"1 gig\" is not allowed: a positive "
                        + "PostgreSQL size with unit kB, MB, GB or TB (e.g. 1GB); -1 (unbounded) is not allowed"),
                Arguments.of(Map.of("memory", "lots"), "pg-cluster:memory = \"lots\" is not allowed: a size of at least 128 "
                        + "MiB: a number of MiB, or with unit m or g (e.g. 512m, 2g)"),
                Arguments.of(Map.of("shmSize", "1k"), "pg-cluster:shmSize = \"1k\" is not allowed: a size of at least 64 MiB: "
                        + "a number of MiB, or with unit m or g (e.g. 512m, 2g)"),
                Arguments.of(Map.of("memory", "512m", "shmSize", "512m"), "pg-cluster:shmSize = \"512m\" is not allowed: less "
                        + "than pg-cluster:memory (512m), since /dev/shm counts against the memory limit"),
                Arguments.of(Map.of("cpuShares", "1"), "pg-cluster:cpuShares = \"1\" is not allowed: a whole number from 2 to 262144"),
                Arguments.of(Map.of("ha", "patroni", "image", PATRONI_IMAGE, "maxConnections", "24"),
                        "pg-cluster:maxConnections = \"24\" is not allowed: a whole number from 25 to 10000"),
                Arguments.of(Map.of("ha", "patroni", "image", PATRONI_IMAGE, "maxConnections", "lots"),
                        "pg-cluster:maxConnections = \"lots\" is not allowed: a whole number from 25 to 10000"),
                Arguments.of(Map.of("maxConnections", "150"), "pg-cluster:maxConnections = \"150\" is not allowed: it applies "
                        + "only with pg-cluster:ha = \"patroni\" (pg-cluster:ha is \"none\")"),
                Arguments.of(Map.of("environment", "prod"), "pg-cluster:environment = \"prod\" is not allowed: development, "
                        + "staging or production"),
                Arguments.of(Map.of("database", "My-App"), "pg-cluster:database = \"My-App\" is not allowed: a lower-case "
                        + "identifier of letters, digits and _ (at most 63, not starting with a digit or pg_, not template0 or "
                        + "template1)"),
                Arguments.of(Map.of("replicationUser", "postgres"), "pg-cluster:replicationUser = \"postgres\" is not allowed: "
                        + "a lower-case identifier of letters, digits and _ (at most 63, not starting with a digit or pg_, not "
                        + "postgres)"),
                Arguments.of(Map.of("appUser", "postgres"), "pg-cluster:appUser = \"postgres\" is not allowed: "
                        + "a lower-case identifier of letters, digits and _ (at most 63, not starting with a digit or pg_, not "
                        + "postgres)"),
                Arguments.of(Map.of("appUser", "replicator"), "pg-cluster:appUser = \"replicator\" is not allowed: a role of "
                        + "its own, not the replication role (pg-cluster:replicationUser)"),
                Arguments.of(Map.of("appUser", "shop", "monitoringUser", "shop"), "pg-cluster:monitoringUser = \"shop\" is not "
                        + "allowed: a role of its own, not the application role (pg-cluster:appUser)"),
                Arguments.of(Map.of("monitoringUser", "pg_monitor"), "pg-cluster:monitoringUser = \"pg_monitor\" is not "
                        + "allowed: a lower-case identifier of letters, digits and _ (at most 63, not starting with a digit or "
                        + "pg_, not postgres)"),
                Arguments.of(Map.of("replicationUser", "public"), "pg-cluster:replicationUser = \"public\" is not allowed: "
                        + RESERVED_ROLE),
                Arguments.of(Map.of("appUser", "current_user"), "pg-cluster:appUser = \"current_user\" is not allowed: "
                        + RESERVED_ROLE),
                Arguments.of(Map.of("monitoringUser", "none"), "pg-cluster:monitoringUser = \"none\" is not allowed: "
                        + RESERVED_ROLE),
                Arguments.of(Map.of("replicationUser", "all"), "pg-cluster:replicationUser = \"all\" is not allowed: "
                        + RESERVED_ROLE),
                Arguments.of(Map.of("readMaxLag", "fast"), "pg-cluster:readMaxLag = \"fast\" is not allowed: off, or a "
                        + "positive size with unit kB, MB, GB or TB (e.g. 64MB)"),
                Arguments.of(Map.of("passwordGeneration", "0"), "pg-cluster:passwordGeneration = \"0\" is not allowed: a "
                        + "whole number from 1 to 1000000"),
                Arguments.of(Map.of("tls", "yes"), "pg-cluster:tls = \"yes\" is not allowed: true or false"),
                Arguments.of(Map.of("tlsCertificateGeneration", "0"), "pg-cluster:tlsCertificateGeneration = \"0\" is not "
                        + "allowed: a whole number from 1 to 1000000"),
                Arguments.of(Map.of("tlsCaGeneration", "2", "tlsTrustedCaGenerations", "[1]"), "pg-cluster:"
                        + "tlsTrustedCaGenerations = \"[1]\" is not allowed: it must hold pg-cluster:tlsCaGeneration (2), "
                        + "the CA that signs the nodes' certificates"),
                Arguments.of(Map.of("tlsTrustedCaGenerations", "[1, 1]"), "pg-cluster:tlsTrustedCaGenerations = \"[1, 1]\" "
                        + "is not allowed: a list of one to three different whole numbers from 1 to 1000000, e.g. [1, 2]"),
                Arguments.of(Map.of("tlsTrustedCaGenerations", "[1, 2, 3, 4]"), "pg-cluster:tlsTrustedCaGenerations = "
                        + "\"[1, 2, 3, 4]\" is not allowed: a list of one to three different whole numbers from 1 to 1000000, "
                        + "e.g. [1, 2]"),
                Arguments.of(Map.of("monitoring", "on"), "pg-cluster:monitoring = \"on\" is not allowed: true or false"),
                Arguments.of(Map.of("monitoring", "true", "primaryPort", "9091"), "pg-cluster:monitoringPort = \"9090\" is not "
                        + "allowed: Prometheus takes it and the exporters the next 2 ports (9090–9092), and 9091 is a PostgreSQL "
                        + "port of this stack"),
                Arguments.of(Map.of("exporterImage", "postgres-exporter"), "pg-cluster:exporterImage = \"postgres-exporter\" is "
                        + "not allowed: a pinned image reference: name:tag with a version tag (e.g. postgres:17.6) or "
                        + "name@sha256:<digest>; not a bare name and not :latest"),
                Arguments.of(Map.of("alertBytesBehind", "64"), "pg-cluster:alertBytesBehind = \"64\" is not allowed: a positive "
                        + "size with unit kB, MB, GB or TB (e.g. 64MB)"),
                Arguments.of(Map.of("alertSlotRetainedPercent", "100"), "pg-cluster:alertSlotRetainedPercent = \"100\" is not "
                        + "allowed: a whole number from 1 to 99"),
                Arguments.of(Map.of("scrapeIntervalSeconds", "0"), "pg-cluster:scrapeIntervalSeconds = \"0\" is not allowed: a "
                        + "whole number from 1 to 300"),
                Arguments.of(Map.of("dockerHost", "localhost:2375"), "pg-cluster:dockerHost = \"localhost:2375\" is not "
                        + "allowed: " + DOCKER_HOSTS_ALLOWED),
                Arguments.of(Map.of("dockerHost", "tcp://db-host:2375"), "pg-cluster:dockerHost = \"tcp://db-host:2375\" is "
                        + "not allowed: " + DOCKER_HOSTS_ALLOWED),
                Arguments.of(Map.of("dockerHost", "tcp://192.168.1.20:2375"), "pg-cluster:dockerHost = "
                        + "\"tcp://192.168.1.20:2375\" is not allowed: " + DOCKER_HOSTS_ALLOWED),
                Arguments.of(Map.of("baseBackupAttempts", "0"), "pg-cluster:baseBackupAttempts = \"0\" is not allowed: a whole "
                        + "number from 1 to 10"),
                Arguments.of(Map.of("healthTimeoutSeconds", "5"), "pg-cluster:healthTimeoutSeconds = \"5\" is not allowed: a "
                        + "whole number from 10 to 3600"),
                Arguments.of(Map.of("streamingGraceSeconds", "2"), "pg-cluster:streamingGraceSeconds = \"2\" is not allowed: a "
                        + "whole number from 4 to 600"),
                Arguments.of(Map.of("replicas", "2", "primary", "pg3"), "pg-cluster:primary = \"pg3\" is not allowed: a node "
                        + "of this stack: pg0, pg1, pg2 (pg0 plus one per replica; raise pg-cluster:replicas to add nodes)"),
                Arguments.of(Map.of("primary", "primary"), "pg-cluster:primary = \"primary\" is not allowed: a node of this "
                        + "stack: pg0, pg1 (pg0 plus one per replica; raise pg-cluster:replicas to add nodes)"),
                Arguments.of(Map.of("acceptDataLoss", "yes"), consentNotAllowed("yes") + "; the nodes of this stack are pg0, pg1"),
                Arguments.of(Map.of("acceptDataLoss", "true"), consentNotAllowed("true") + ". \"true\" is no longer accepted:"
                        + " left in a stack file it would apply to every later run"),
                Arguments.of(Map.of("acceptDataLoss", "pg1@0/5000000,pg1@unknown:0/5000000"), "pg-cluster:acceptDataLoss ="
                        + " \"pg1@0/5000000,pg1@unknown:0/5000000\" is not allowed: each node once"),
                Arguments.of(Map.of("acceptDataLoss", "pg1@unknown"), consentNotAllowed("pg1@unknown")
                        + "; the nodes of this stack are pg0, pg1"),
                Arguments.of(Map.of("acceptDataLoss", "pg0@0/5000000"), "pg-cluster:acceptDataLoss = \"pg0@0/5000000\" is not"
                        + " allowed: nodes other than the configured primary pg0: consent names the nodes whose data is"
                        + " discarded, never the primary's"),
                Arguments.of(Map.of("acceptDataLoss", "pg1@5000000"), consentNotAllowed("pg1@5000000")
                        + "; the nodes of this stack are pg0, pg1"),
                Arguments.of(Map.of("acceptDataLoss", "pg7@0/1"), consentNotAllowed("pg7@0/1")
                        + "; the nodes of this stack are pg0, pg1"),
                Arguments.of(Map.of("backup", "yes"), "pg-cluster:backup = \"yes\" is not allowed: true or false"),
                Arguments.of(s3("backupStorage", "gcs"), "pg-cluster:backupStorage = \"gcs\" is not allowed: volume (a Docker "
                        + "volume of the stack, the default) or s3 (an S3-compatible object store: pg-cluster:backupS3Endpoint, "
                        + "pg-cluster:backupS3Bucket, pg-cluster:backupS3AccessKey and pg-cluster:backupS3SecretKey)"),
                Arguments.of(s3("backupS3Bucket", null), "pg-cluster:backupS3Bucket is required with "
                        + "pg-cluster:backupStorage = \"s3\""),
                Arguments.of(s3("backupS3SecretKey", null), "pg-cluster:backupS3SecretKey is required with "
                        + "pg-cluster:backupStorage = \"s3\" (set it as a secret: pulumi config set --secret backupS3SecretKey "
                        + "<value>)"),
                Arguments.of(s3("backupS3Endpoint", "https://s3.example.com"), "pg-cluster:backupS3Endpoint = "
                        + "\"https://s3.example.com\" is not allowed: a host name or IPv4 address, optionally with :port "
                        + "(s3.eu-west-1.amazonaws.com, minio.internal:9000), without https:// (pgBackRest reaches S3 only "
                        + "over HTTPS, with the certificate verified)"),
                Arguments.of(s3("backupS3Bucket", "Backups_1"), "pg-cluster:backupS3Bucket = \"Backups_1\" is not allowed: "
                        + "an S3 bucket name: 3 to 63 lower case letters, digits, dots and hyphens, beginning and ending with "
                        + "a letter or digit"),
                Arguments.of(s3("backupS3Endpoint", "192.0.2.10:9000"), "pg-cluster:backupS3UriStyle = \"host\" is not "
                        + "allowed with pg-cluster:backupS3Endpoint = \"192.0.2.10\": an IP address has no "
                        + "<bucket>.<endpoint> name; set pg-cluster:backupS3UriStyle to path"),
                Arguments.of(s3("backupS3Path", "backups/../x"), "pg-cluster:backupS3Path = \"backups/../x\" is not "
                        + "allowed: an absolute path in the bucket such as /pgbackrest: letters, digits, '.', '_', '-' and "
                        + "'/', no empty, . or .. parts, no trailing /"),
                Arguments.of(s3("backupS3CaCertificate", "my-ca.crt"), "pg-cluster:backupS3CaCertificate = \"my-ca.crt\" "
                        + "is not allowed: PEM certificates (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----) of the "
                        + "CA that signed the store's certificate; no key"),
                Arguments.of(s3("backupRetainRepository", "false"), "pg-cluster:backupRetainRepository = \"false\" is not "
                        + "allowed with pg-cluster:backupStorage = \"s3\" unless pg-cluster:backupPassphrase is set: the bucket "
                        + "outlives the stack, and the passphrase its backups are encrypted with would go with the repository's "
                        + "config volume (set pg-cluster:backupPassphrase as a secret, or keep the config volume)"),
                Arguments.of(Map.of("backup", "true", "image", BACKUP_IMAGE, "backupS3Bucket", "acme-pg-backups"),
                        "pg-cluster:backupS3Bucket is not allowed with pg-cluster:backupStorage = \"volume\": it configures "
                        + "an S3 repository (set pg-cluster:backupStorage to s3, or remove pg-cluster:backupS3Bucket)"),
                Arguments.of(Map.of("backupRetentionFull", "3"), "pg-cluster:backupRetentionFull is not allowed with "
                        + "pg-cluster:backup = \"false\": it configures backups, which are off (set pg-cluster:backup to true, "
                        + "or remove pg-cluster:backupRetentionFull)"),
                Arguments.of(Map.of("backup", "true", "tls", "false", "image", BACKUP_IMAGE), "pg-cluster:backup = \"true\" is not allowed with "
                        + "pg-cluster:tls = \"false\": the nodes reach the repository over pgBackRest's TLS protocol, each "
                        + "with a certificate of the cluster's CA"),
                Arguments.of(Map.of("backup", "true", "image", "postgres:17.6"), "pg-cluster:image = \"postgres:17.6\" is not "
                        + "allowed with pg-cluster:backup = \"true\": the official postgres image has no pgBackRest; build "
                        + "images/pgbackrest/Dockerfile (with pg-cluster:ha = \"patroni\": images/patroni/Dockerfile) and set "
                        + "pg-cluster:image to that image (README: Backups and recovery)"),
                Arguments.of(Map.of("backup", "true", "backupRetentionFull", "0", "image", BACKUP_IMAGE), "pg-cluster:backupRetentionFull = \"0\" is "
                        + "not allowed: a whole number from 1 to 100"),
                Arguments.of(Map.of("backup", "true", "archiveTimeoutSeconds", "1", "image", BACKUP_IMAGE), "pg-cluster:archiveTimeoutSeconds = \"1\" "
                        + "is not allowed: a whole number from 5 to 3600"),
                Arguments.of(Map.of("backup", "true", "backupDiffIntervalHours", "200", "image", BACKUP_IMAGE), "pg-cluster:backupDiffIntervalHours = "
                        + "\"200\" is not allowed: at most pg-cluster:backupFullIntervalHours (168), since a full backup also "
                        + "counts as the latest backup"),
                Arguments.of(Map.of("restoreTarget", "latest"), "pg-cluster:restoreTarget = \"latest\" is not allowed "
                        + "without pg-cluster:restoreFrom: it says how far a restore recovers"),
                Arguments.of(Map.of("restoreFrom", "Prod Stack"), "pg-cluster:restoreFrom = \"Prod Stack\" is not allowed: "
                        + "the name prefix of the stack whose repository to restore from, <project>-<stack> as its Docker "
                        + "objects are named (lower case letters, digits and -, at most 41 characters), e.g. pg-cluster-prod"),
                Arguments.of(Map.of("restoreFrom", "pg-cluster-prod", "restoreTarget", "2999-01-01 00:00:00+00"),
                        "pg-cluster:restoreTarget = \"2999-01-01 00:00:00+00\" is not allowed: a time in the future; latest "
                        + "restores everything the repository has"),
                Arguments.of(Map.of("restoreFrom", "pg-cluster-prod", "restoreTarget", "yesterday"),
                        "pg-cluster:restoreTarget = \"yesterday\" is not allowed: latest, a time with its offset "
                        + "(2026-12-07 09:00:00+00, or ISO 8601: 2026-12-07T09:00:00Z), or name:<restore point> "
                        + "(made with pg_create_restore_point; at most 63 printable ASCII characters, no quotes or backslash)"),
                Arguments.of(Map.of("restoreFrom", "pg-cluster-prod", "restoreTarget", "2026-12-07 09:00:00"),
                        "pg-cluster:restoreTarget = \"2026-12-07 09:00:00\" is not allowed: latest, a time with its offset "
                        + "(2026-12-07 09:00:00+00, or ISO 8601: 2026-12-07T09:00:00Z), or name:<restore point> "
                        + "(made with pg_create_restore_point; at most 63 printable ASCII characters, no quotes or backslash)"),
                Arguments.of(Map.of("superuserPassword", "short"), "pg-cluster:superuserPassword: must be 12 to 1024 characters long"),
                Arguments.of(Map.of("replicas", "1", "replica", "3"), "pg-cluster:replica is not a pg-cluster setting; known keys: "
                        + String.join(", ", ConfigReader.KEYS)));
    }


    private static String consentNotAllowed(String value) {
        return "pg-cluster:acceptDataLoss = \"" + value + "\" is not allowed: false, or the nodes whose data one pulumi up"
                + " may discard with the position their WAL ends at, as a refusal names them:"
                + " <node>@<LSN>[,<node>@<LSN>…] (for example pg2@0/563BF48), or <node>@unknown:<LSN> for a standby that"
                + " cannot be compared";
    }
}
