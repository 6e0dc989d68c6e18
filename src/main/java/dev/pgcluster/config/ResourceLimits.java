package dev.pgcluster.config;

import java.util.Objects;
import java.util.Optional;

/**
 * Per-container resource limits, applied to every database container.
 *
 * @param memoryMb  hard memory limit in MiB, or empty for none
 * @param shmSizeMb size of {@code /dev/shm} in MiB (PostgreSQL's parallel query uses it)
 * @param cpuShares relative CPU weight, or empty for Docker's default (1024)
 */
public record ResourceLimits(Optional<Integer> memoryMb, int shmSizeMb, Optional<Integer> cpuShares) {
    public ResourceLimits {
        Objects.requireNonNull(memoryMb);
        Objects.requireNonNull(cpuShares);
    }
}
