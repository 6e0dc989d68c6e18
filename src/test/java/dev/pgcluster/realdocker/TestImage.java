package dev.pgcluster.realdocker;

/**
 * The image the real-Docker tests run: the one {@code src/test/image/build.sh} builds, or — with
 * {@code PG_CLUSTER_TEST_IMAGE=postgres:17} — the official image where it is present locally.
 */
public final class TestImage {
    public static final String DEFAULT = "pg-cluster-test/postgres:17";

    private TestImage() {
    }

    public static String reference() {
        String override = System.getenv("PG_CLUSTER_TEST_IMAGE");
        return override == null || override.isBlank() ? DEFAULT : override;
    }
}
