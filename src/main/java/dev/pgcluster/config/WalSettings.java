package dev.pgcluster.config;

import java.util.Objects;

/**
 * WAL retention. Both sizes are PostgreSQL size strings ({@code 512MB}, {@code 4GB}).
 *
 * @param walKeepSize          WAL kept for standbys regardless of slots
 * @param maxSlotWalKeepSize   the most WAL a replication slot may hold back; always bounded so a
 *                             dead replica cannot fill the primary's disk
 */
public record WalSettings(String walKeepSize, String maxSlotWalKeepSize) {
    public WalSettings {
        Objects.requireNonNull(walKeepSize);
        Objects.requireNonNull(maxSlotWalKeepSize);
    }
}
