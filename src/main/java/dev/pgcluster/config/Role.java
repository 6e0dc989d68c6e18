package dev.pgcluster.config;

/** What a node does in the cluster. A role is data: a later switchover moves it between nodes. */
public enum Role {
    PRIMARY("primary"),
    REPLICA("replica");

    private final String label;

    Role(String label) {
        this.label = label;
    }

    /** The value written into the {@code pg-cluster.role} label. */
    public String label() {
        return label;
    }
}
