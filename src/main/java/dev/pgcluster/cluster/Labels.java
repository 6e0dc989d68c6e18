package dev.pgcluster.cluster;

import dev.pgcluster.config.ClusterConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The labels on every Docker object the program creates. Volumes carry only the stable ones:
 * Docker cannot change a volume's labels, so a changing label would replace (empty) the volume.
 */
public final class Labels {
    public static final String PROJECT = "pg-cluster.project";
    public static final String STACK = "pg-cluster.stack";
    public static final String NODE = "pg-cluster.node";
    public static final String ENVIRONMENT = "pg-cluster.environment";
    public static final String RETAIN_ON_DELETE = "pg-cluster.retain-on-delete";
    /**
     * On a node's container: the seed its data came from (a new cluster or a base backup), as the
     * ID of the node's seed step, which is new exactly when the volume is seeded afresh.
     */
    public static final String SEED = "pg-cluster.seed";
    /**
     * On a node's container: its health check as declared. Labels are never read back from Docker
     * and force a new container when they change: this one carries a changed health check to
     * Docker, which the docker provider 4.5.1 would leave as it was.
     */
    public static final String HEALTHCHECK = "pg-cluster.healthcheck";
    /** On a node's container: its tmpfs mounts as declared, for the same reason. */
    public static final String TMPFS = "pg-cluster.tmpfs";
    /**
     * On every container that publishes a port: the binding as declared. Changes to a container's
     * {@code ports} are ignored (the docker provider 4.5.1 reads a stopped container's ports back
     * empty, and they force a new container); a changed port changes this label, which forces one.
     */
    public static final String PUBLISHED = "pg-cluster.published";
    /**
     * On a Patroni or etcd member's container: a digest of the configuration it reads only when it
     * starts, so that a changed one brings a new container.
     */
    public static final String CONFIG = "pg-cluster.config";
    /**
     * On an {@code ha: patroni} member's container: {@code patroni} (a PostgreSQL node) or
     * {@code etcd} (a DCS member, which carries {@code pg-cluster.node} too). The program reads it
     * on the nodes to refuse a mode switch.
     */
    public static final String HA_MEMBER = "pg-cluster.ha-member";

    private Labels() {
    }

    public static Map<String, String> stack(ClusterConfig config) {
        var labels = new LinkedHashMap<String, String>();
        labels.put(PROJECT, config.project());
        labels.put(STACK, config.stack());
        return labels;
    }

    public static Map<String, String> network(ClusterConfig config) {
        var labels = stack(config);
        labels.put(ENVIRONMENT, config.environment().configValue());
        return labels;
    }

    public static Map<String, String> volume(ClusterConfig config, String node) {
        var labels = stack(config);
        labels.put(NODE, node);
        labels.put(RETAIN_ON_DELETE, String.valueOf(config.retainVolumes()));
        return labels;
    }

    /** A node's container: no role (a switchover moves the role, and labels cannot change in place). */
    public static Map<String, String> container(ClusterConfig config, String node) {
        var labels = stack(config);
        labels.put(NODE, node);
        labels.put(ENVIRONMENT, config.environment().configValue());
        return labels;
    }

    /** The first 16 hex digits of a text's SHA-256: what the labels carry of a configuration or a script. */
    public static String sha256Prefix(String text) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
