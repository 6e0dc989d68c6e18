package dev.pgcluster.cluster;

import com.pulumi.docker.inputs.ContainerPortArgs;

/**
 * A container's port published on its Docker host, as the program declares it: the container's
 * {@code ports} input and its {@link Labels#PUBLISHED} label.
 *
 * @param ip            the host address it is published on
 * @param hostPort      the port on the host
 * @param containerPort the port inside the container
 */
public record PublishedPort(String ip, int hostPort, int containerPort) {

    /** The container's {@code ports} input. */
    public ContainerPortArgs args() {
        return ContainerPortArgs.builder().internal(containerPort).external(hostPort).ip(ip).build();
    }

    /** The binding as {@code docker ps} shows it: {@code 127.0.0.1:15432->5432/tcp}. */
    public String spec() {
        return ip + ":" + hostPort + "->" + containerPort + "/tcp";
    }
}
