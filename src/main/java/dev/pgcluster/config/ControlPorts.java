package dev.pgcluster.config;

import java.util.List;

/**
 * Where Patroni's REST API and etcd's client, peer and metrics endpoints are reached from other
 * hosts: with {@code ha: patroni} on several Docker hosts each member publishes them on its host's
 * address ({@code patroniApiPort}, {@code etcdPorts}), so that two stacks can share hosts. Inside
 * the containers they listen on {@link HaSettings#REST_API_PORT} and the etcd ports as always; on
 * one host nothing is published and these are those ports.
 *
 * @param restApi     Patroni's REST API
 * @param etcdClient  etcd's client port (Patroni's etcd3.hosts)
 * @param etcdPeer    etcd's peer port (its initial-cluster)
 * @param etcdMetrics etcd's plain-HTTP metrics (Prometheus)
 */
public record ControlPorts(int restApi, int etcdClient, int etcdPeer, int etcdMetrics) {
    public static final ControlPorts DEFAULT = new ControlPorts(HaSettings.REST_API_PORT, HaSettings.ETCD_CLIENT_PORT,
            HaSettings.ETCD_PEER_PORT, HaSettings.ETCD_METRICS_PORT);

    /** All four, REST API first. */
    public List<Integer> list() {
        return List.of(restApi, etcdClient, etcdPeer, etcdMetrics);
    }

    /** etcd's three, as the {@code etcdPorts} key lists them. */
    public List<Integer> etcd() {
        return List.of(etcdClient, etcdPeer, etcdMetrics);
    }
}
