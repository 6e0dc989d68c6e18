package dev.pgcluster.cluster;

import java.util.List;
import java.util.Map;

/**
 * What the stack's existing containers publish, as Docker keeps it in each container's
 * configuration ({@code HostConfig.PortBindings}: the same for a stopped container as for a
 * running one), read before anything is declared.
 *
 * <p>Why the program needs it: the docker provider 4.5.1 (Terraform docker provider v3.0.2)
 * reads a container's {@code ports} back from what the container publishes while it runs, so a
 * {@code pulumi refresh} of a stopped container records none, and {@code ports} forces
 * replacement: the next run would replace a container that publishes exactly what config says.
 * So a container that already publishes what is declared has changes to {@code ports} ignored.
 * Only then: the engine creates a replacement with the ignored input's value from state, so a
 * port that differs (or a container that does not exist) is never ignored, and the declared
 * port reaches Docker. One case is left: a refresh of a stopped container recorded no ports and
 * the same run replaces the container for another reason; the replacement then publishes
 * nothing. A node's readiness step refuses such a container with the way out (init/node/
 * await-healthy.sh), and the next run replaces it with the declared port, since it no longer
 * publishes what is declared.
 *
 * @param byContainer container name → its bindings as {@link PublishedPort#spec()} prints them
 *                    (several separated by a space); containers that do not exist are absent
 */
public record PublishedPorts(Map<String, String> byContainer) {
    /** Nothing known (a new stack, or declarations that never meet Docker): nothing is ignored. */
    public static final PublishedPorts NONE = new PublishedPorts(Map.of());

    public PublishedPorts {
        byContainer = Map.copyOf(byContainer);
    }

    /** The changes the engine should ignore on {@code container}, which declares {@code port}. */
    public List<String> ignoredChanges(String container, PublishedPort port) {
        return port.spec().equals(byContainer.get(container)) ? List.of("ports") : List.of();
    }
}
