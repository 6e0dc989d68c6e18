package dev.pgcluster.cluster;

import com.pulumi.docker.ContainerArgs;
import com.pulumi.docker.inputs.ContainerCapabilitiesArgs;
import com.pulumi.docker.inputs.ContainerLabelArgs;
import java.util.List;
import java.util.Map;

/**
 * What every long-running container of the cluster (node, exporter, Prometheus) runs with beyond
 * Docker's defaults: every capability dropped but those named, and no privilege gained through a
 * setuid binary ({@code no-new-privileges}). Where a container may write is said by the container
 * itself (a node's root filesystem is read-only).
 *
 * <p>The strings are written in the one form that reads back unchanged whichever docker provider
 * runs: the engine keeps what it is sent, the official provider (Docker client 20.10) sends them
 * as declared, and newer Docker clients (v28, in the provider built under tools/pulumi) send
 * capabilities upper case, with {@code CAP_} and sorted. Both inputs force a new container, so
 * another spelling ({@code CHOWN}, {@code all}, {@code no-new-privileges}) would show drift on
 * refresh and replace the container on the next run.
 */
public final class Hardening {
    /** Docker's {@code --security-opt} that keeps exec from raising privileges (setuid, file capabilities). */
    public static final String NO_NEW_PRIVILEGES = "no-new-privileges:true";
    /** Dropped first; only the capabilities a container names are added back. */
    static final String ALL_CAPABILITIES = "ALL";

    private Hardening() {
    }

    /** Drop every capability, then add back {@code kept} (upper case, with {@code CAP_}, sorted). */
    public static ContainerCapabilitiesArgs capabilities(List<String> kept) {
        var builder = ContainerCapabilitiesArgs.builder().drops(ALL_CAPABILITIES);
        if (!kept.isEmpty()) {
            builder.adds(kept);
        }
        return builder.build();
    }

    /**
     * What every long-running container of the cluster that is not a node (an exporter,
     * Prometheus, pgBackRest's repository and sidecars) is declared with: its labels, the default
     * bridge said explicitly (as for the nodes: Docker reads it back), restarted unless stopped,
     * never waited for by the provider, bounded json-file logs, and one program that runs as one
     * user from start to end with no capability and no privilege gained.
     */
    public static ContainerArgs.Builder service(List<ContainerLabelArgs> labels) {
        return ContainerArgs.builder()
                .labels(labels)
                .networkMode("bridge")
                .restart("unless-stopped")
                .mustRun(false)
                .wait_(false)
                .logDriver("json-file")
                .logOpts(Map.<String, Object>of("max-size", "10m", "max-file", "3"))
                .capabilities(capabilities(List.of()))
                .securityOpts(NO_NEW_PRIVILEGES);
    }
}
