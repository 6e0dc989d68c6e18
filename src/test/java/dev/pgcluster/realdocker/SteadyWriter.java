package dev.pgcluster.realdocker;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Inserts ids 1, 2, 3, … into {@code ack} on the primary, one autocommit transaction each, and
 * remembers every id whose commit was acknowledged. Reconnects after failures. Stops by itself
 * after a bounded time or number of rows.
 */
public final class SteadyWriter implements AutoCloseable {
    public static final String TABLE_DDL = "CREATE TABLE IF NOT EXISTS ack (id bigint PRIMARY KEY, written_at timestamptz DEFAULT now())";
    private static final Duration MAX_RUN = Duration.ofMinutes(5);
    private static final int MAX_ROWS = 2_000_000;

    private final String jdbcUrl;
    private final ConcurrentSkipListSet<Long> acknowledged = new ConcurrentSkipListSet<>();
    /** When each commit was acknowledged, in order. */
    private final ConcurrentLinkedQueue<Instant> acknowledgedAt = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger failures = new AtomicInteger();
    private final Thread thread;
    private long next;

    public SteadyWriter(String jdbcUrl) {
        this.jdbcUrl = jdbcUrl;
        Sql.execute(jdbcUrl, TABLE_DDL);
        // Continue after rows an earlier writer left, so every id this writer reports is its own.
        this.next = Long.parseLong(Sql.query(jdbcUrl, "SELECT coalesce(max(id), 0) + 1 FROM ack"));
        this.thread = new Thread(this::loop, "steady-writer");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        Instant stopAt = Instant.now().plus(MAX_RUN);
        while (running.get() && Instant.now().isBefore(stopAt) && next < MAX_ROWS) {
            try (Connection c = Sql.connect(jdbcUrl);
                 PreparedStatement insert = c.prepareStatement("INSERT INTO ack (id) VALUES (?) ON CONFLICT DO NOTHING")) {
                while (running.get() && Instant.now().isBefore(stopAt) && next < MAX_ROWS) {
                    insert.setLong(1, next);
                    insert.executeUpdate();
                    acknowledged.add(next);
                    acknowledgedAt.add(Instant.now());
                    next++;
                    Docker.sleep(Duration.ofMillis(5));
                }
            } catch (SQLException e) {
                // An id whose commit was not acknowledged may or may not exist; it is retried, and
                // only acknowledged ids are checked.
                failures.incrementAndGet();
                Docker.sleep(Duration.ofMillis(200));
            }
        }
    }

    /** Waits until at least {@code more} further commits were acknowledged. */
    public void awaitProgress(int more, Duration timeout) {
        int target = acknowledged.size() + more;
        Instant deadline = Instant.now().plus(timeout);
        while (acknowledged.size() < target) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the writer acknowledged only " + acknowledged.size() + " of " + target
                        + " commits within " + timeout + " (" + failures.get() + " failures)");
            }
            Docker.sleep(Duration.ofMillis(50));
        }
    }

    public List<Long> acknowledged() {
        return List.copyOf(acknowledged);
    }

    /**
     * The longest time without an acknowledged commit between {@code from} and {@code to}: for a
     * switchover, the time from the last write the old primary acknowledged to the first one the
     * new primary did.
     */
    public Duration longestGap(Instant from, Instant to) {
        Duration longest = Duration.ZERO;
        Instant previous = from;
        for (Instant at : acknowledgedAt) {
            if (at.isBefore(from)) {
                continue;
            }
            if (at.isAfter(to)) {
                break;
            }
            Duration gap = Duration.between(previous, at);
            if (gap.compareTo(longest) > 0) {
                longest = gap;
            }
            previous = at;
        }
        return longest;
    }

    public int failures() {
        return failures.get();
    }

    @Override
    public void close() {
        running.set(false);
        try {
            thread.join(Duration.ofSeconds(60).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
