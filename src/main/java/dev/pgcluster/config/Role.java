package dev.pgcluster.config;

/** What a node does in the cluster. A role is data: a later switchover moves it between nodes. */
public enum Role {
    PRIMARY("primary"),
    REPLICA("replica");

    private final String label;

    Role(String label) {
        this.label = label;
    }

    /** The role as the seed step is told it ({@code PGC_ROLE}). */
    public String label() {
        return label;
    }
}
