package dev.pgcluster.realdocker;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.function.Predicate;

/** JDBC against the published ports, the way a client on the Docker host connects. */
public final class Sql {
    private Sql() {
    }

    /**
     * A connection as a client on the Docker host makes it; a URL that asks for
     * {@code sslmode=verify-full} without naming its CA file checks the server against
     * {@link TestTrust} (where a user keeps the stack's {@code caCertificate}).
     */
    public static Connection connect(String jdbcUrl) throws SQLException {
        var props = new Properties();
        props.setProperty("connectTimeout", "5");
        props.setProperty("socketTimeout", "30");
        if (jdbcUrl.contains("sslmode=verify-full") && !jdbcUrl.contains("sslrootcert=")) {
            props.setProperty("sslrootcert", TestTrust.file().toString());
        }
        return DriverManager.getConnection(jdbcUrl, props);
    }

    /** The JDBC form of a libpq URI {@code postgresql://user:password@host:port/db[?sslmode=…]}. */
    public static String jdbcFromUri(String uri) {
        URI parsed = URI.create(uri);
        String[] userInfo = parsed.getRawUserInfo().split(":", 2);
        String sslMode = parsed.getRawQuery() == null ? "" : java.util.Arrays.stream(parsed.getRawQuery().split("&"))
                .filter(p -> p.startsWith("sslmode=")).map(p -> "&" + p).findFirst().orElse("");
        return "jdbc:postgresql://" + parsed.getHost() + ":" + parsed.getPort() + parsed.getRawPath()
                + "?user=" + userInfo[0] + "&password=" + userInfo[1] + sslMode;
    }

    /** One parameter of a JDBC URL's query string (URL-decoded), e.g. {@code password}. */
    public static String jdbcParameter(String jdbcUrl, String name) {
        for (String pair : jdbcUrl.substring(jdbcUrl.indexOf('?') + 1).split("&")) {
            String[] kv = pair.split("=", 2);
            if (kv[0].equals(name)) {
                return java.net.URLDecoder.decode(kv[1], java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        throw new IllegalArgumentException("no parameter " + name + " in the JDBC URL");
    }

    public static String query(String jdbcUrl, String sql) {
        try (Connection c = connect(jdbcUrl); Statement s = c.createStatement(); var rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    public static void execute(String jdbcUrl, String sql) {
        try (Connection c = connect(jdbcUrl); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /**
     * Polls {@code probe} until its result satisfies {@code done} (a failing probe counts as not
     * yet), failing after {@code timeout} with the last result.
     */
    public static String awaitResult(java.util.function.Supplier<String> probe, Predicate<String> done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (true) {
            try {
                last = probe.get();
                if (done.test(last)) {
                    return last;
                }
            } catch (RuntimeException e) {
                last = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + timeout + "; last: " + last);
            }
            Docker.sleep(Duration.ofMillis(500));
        }
    }

    /** Polls {@code sql} through docker exec on {@code container} until its result satisfies {@code done}. */
    public static String awaitPsql(String container, String sql, Predicate<String> done, Duration timeout) {
        return awaitPsql(container, "postgres", sql, done, timeout);
    }

    /** {@link #awaitPsql(String, String, Predicate, Duration)} in another database. */
    public static String awaitPsql(String container, String database, String sql, Predicate<String> done, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String last = null;
        RuntimeException lastError = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                last = Docker.psql(container, database, sql);
                lastError = null;
                if (done.test(last)) {
                    return last;
                }
            } catch (RuntimeException e) {
                lastError = e;
            }
            Docker.sleep(Duration.ofMillis(250));
        }
        throw new AssertionError("on " + container + ", `" + sql + "` did not reach the expected result within "
                + timeout + "; last result: " + last + (lastError == null ? "" : "; last error: " + lastError.getMessage()));
    }
}
