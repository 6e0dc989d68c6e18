package dev.pgcluster.config;

import java.util.Arrays;
import java.util.Optional;

/**
 * The kind of environment a stack is. It chooses defaults (WAL retention bounds, shared memory,
 * volume retention) and is written into labels so that policies can tell production apart.
 */
public enum DeploymentEnvironment {
    DEVELOPMENT("development", "128MB", "1GB", 128),
    STAGING("staging", "512MB", "4GB", 256),
    PRODUCTION("production", "1GB", "16GB", 512);

    private final String configValue;
    private final String defaultWalKeepSize;
    private final String defaultMaxSlotWalKeepSize;
    private final int defaultShmSizeMb;

    DeploymentEnvironment(String configValue, String walKeepSize, String maxSlotWalKeepSize, int shmSizeMb) {
        this.configValue = configValue;
        this.defaultWalKeepSize = walKeepSize;
        this.defaultMaxSlotWalKeepSize = maxSlotWalKeepSize;
        this.defaultShmSizeMb = shmSizeMb;
    }

    public String configValue() {
        return configValue;
    }

    public String defaultWalKeepSize() {
        return defaultWalKeepSize;
    }

    public String defaultMaxSlotWalKeepSize() {
        return defaultMaxSlotWalKeepSize;
    }

    public int defaultShmSizeMb() {
        return defaultShmSizeMb;
    }

    public static Optional<DeploymentEnvironment> fromConfigValue(String value) {
        return Arrays.stream(values()).filter(e -> e.configValue.equals(value)).findFirst();
    }
}
