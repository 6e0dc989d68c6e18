package dev.pgcluster.cluster;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Connection strings for clients on the Docker host. Pure functions over plain values. */
public final class ConnectionStrings {
    private ConnectionStrings() {
    }

    /** A host and published port. */
    public record Endpoint(String host, int port) {
        String hostPort() {
            return host + ":" + port;
        }
    }

    /**
     * The host name clients use for {@code node}: its host's address when it is on a host of
     * {@code dockerHosts}, else as {@link #clientHost(String, Optional)}.
     */
    public static String clientHost(dev.pgcluster.config.ClusterConfig config, dev.pgcluster.config.NodeSpec node) {
        return node.hostAddress().orElseGet(() -> clientHost(config.publishAddress(), node.dockerHost()));
    }

    /**
     * The host name clients use: the publish address, or — when published on every interface —
     * the Docker host's name (for a remote engine) or localhost.
     */
    public static String clientHost(String publishAddress, Optional<String> dockerHost) {
        if (!publishAddress.equals("0.0.0.0")) {
            return publishAddress;
        }
        return dockerHost
                .filter(h -> h.startsWith("tcp://") || h.startsWith("ssh://"))
                .map(h -> URI.create(h).getHost())
                .filter(h -> h != null && !h.isEmpty())
                .orElse("localhost");
    }

    /**
     * With TLS, every string asks for it and for the server's certificate to be checked against the
     * CA and the host name: {@code sslmode=verify-full}. libpq and pgJDBC both read the CA
     * certificates from {@code ~/.postgresql/root.crt} unless {@code sslrootcert} says otherwise.
     */
    static final String VERIFY_FULL = "sslmode=verify-full";

    /** libpq URI for one node. */
    public static String uri(String user, String password, Endpoint endpoint, String database, boolean verifyFull) {
        return "postgresql://" + encode(user) + ":" + encode(password) + "@" + endpoint.hostPort() + "/" + encode(database)
                + (verifyFull ? "?" + VERIFY_FULL : "");
    }

    /**
     * libpq URI over several nodes that prefers a standby: libpq tries the hosts in random order
     * and settles on a standby when one is up, on any node otherwise.
     */
    public static String readOnlyUri(String user, String password, List<Endpoint> endpoints, String database,
                                     boolean verifyFull) {
        return "postgresql://" + encode(user) + ":" + encode(password) + "@"
                + endpoints.stream().map(Endpoint::hostPort).collect(Collectors.joining(","))
                + "/" + encode(database) + "?target_session_attrs=prefer-standby&load_balance_hosts=random"
                + (verifyFull ? "&" + VERIFY_FULL : "");
    }

    /**
     * libpq URI over every node that lands on the one that accepts writes, whichever it is: libpq
     * tries the hosts in order and keeps the first read-write session.
     */
    public static String readWriteUri(String user, String password, List<Endpoint> endpoints, String database,
                                      boolean verifyFull) {
        return "postgresql://" + encode(user) + ":" + encode(password) + "@"
                + endpoints.stream().map(Endpoint::hostPort).collect(Collectors.joining(","))
                + "/" + encode(database) + "?target_session_attrs=read-write"
                + (verifyFull ? "&" + VERIFY_FULL : "");
    }

    /** pgJDBC URL over every node that lands on the one that accepts writes (the JDBC form of {@link #readWriteUri}). */
    public static String readWriteJdbcUrl(String user, String password, List<Endpoint> endpoints, String database,
                                          boolean verifyFull) {
        return "jdbc:postgresql://" + endpoints.stream().map(Endpoint::hostPort).collect(Collectors.joining(","))
                + "/" + encode(database) + "?targetServerType=primary"
                + "&user=" + encode(user) + "&password=" + encode(password)
                + (verifyFull ? "&" + VERIFY_FULL : "");
    }

    /** pgJDBC URL for one node. */
    public static String jdbcUrl(String user, String password, Endpoint endpoint, String database, boolean verifyFull) {
        return "jdbc:postgresql://" + endpoint.hostPort() + "/" + encode(database)
                + "?user=" + encode(user) + "&password=" + encode(password)
                + (verifyFull ? "&" + VERIFY_FULL : "");
    }

    /** pgJDBC URL over several nodes that prefers a standby (the JDBC form of {@link #readOnlyUri}). */
    public static String readOnlyJdbcUrl(String user, String password, List<Endpoint> endpoints, String database,
                                         boolean verifyFull) {
        return "jdbc:postgresql://" + endpoints.stream().map(Endpoint::hostPort).collect(Collectors.joining(","))
                + "/" + encode(database) + "?targetServerType=preferSecondary&loadBalanceHosts=true"
                + "&user=" + encode(user) + "&password=" + encode(password)
                + (verifyFull ? "&" + VERIFY_FULL : "");
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
