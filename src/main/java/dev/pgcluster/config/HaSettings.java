package dev.pgcluster.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How the cluster fails over: {@code none} (pg-cluster's declared switchover and failover: the
 * {@code primary} key says which node leads) or {@code patroni} (Patroni on every node with an
 * etcd DCS elects the leader by itself; {@code primary}, when set, is a preferred leader).
 *
 * @param mode                 none or patroni
 * @param preferredLeader      with patroni: the node {@code pulumi up} switches over to when another
 *                             leads ({@code primary}, when set); empty: whoever Patroni elects leads
 * @param dcsMembers           with patroni: etcd members (3, 5 or 7)
 * @param etcdImage            with patroni: the pinned image the etcd members run
 * @param ttl                  Patroni's leader key TTL, seconds
 * @param loopWait             Patroni's loop interval, seconds
 * @param retryTimeout         how long Patroni retries the DCS or PostgreSQL before demoting, seconds
 * @param maximumLagOnFailover bytes of WAL a replica may be behind and still be promoted
 * @param failsafeMode         the leader keeps running while the DCS is lost if every member answers it
 * @param dcsHosts             with patroni on several Docker hosts: etcd member → its host (the i-th
 *                             host of {@code dockerHosts}); empty on one host
 * @param controlPorts         with patroni on several Docker hosts: the ports the REST API and etcd
 *                             are published on ({@code patroniApiPort}, {@code etcdPorts}); else the
 *                             ports they listen on
 */
public record HaSettings(Mode mode, Optional<String> preferredLeader, int dcsMembers, String etcdImage, int ttl,
                         int loopWait, int retryTimeout, long maximumLagOnFailover, boolean failsafeMode,
                         Map<String, DockerHostSpec> dcsHosts, ControlPorts controlPorts) {

    /** The values of the {@code ha} key. */
    public enum Mode {
        NONE("none"), PATRONI("patroni");

        private final String configValue;

        Mode(String configValue) {
            this.configValue = configValue;
        }

        public String configValue() {
            return configValue;
        }

        public static Optional<Mode> parse(String raw) {
            for (Mode mode : values()) {
                if (mode.configValue.equals(raw)) {
                    return Optional.of(mode);
                }
            }
            return Optional.empty();
        }

        public static List<String> allowed() {
            return List.of(NONE.configValue, PATRONI.configValue);
        }
    }

    /**
     * etcd v3.5, as the etcd project publishes it. A tag, not a digest: Docker reads a container's
     * image back as an ID, and the program declares containers with the ID it resolves.
     */
    public static final String DEFAULT_ETCD_IMAGE = "quay.io/coreos/etcd:v3.5.16";
    public static final int DEFAULT_DCS_MEMBERS = 3;
    /** Patroni's REST API inside a member's container; across hosts published on ControlPorts#restApi. */
    public static final int REST_API_PORT = 8008;
    /** etcd's client, peer and plain-HTTP metrics ports inside its container; across hosts published on ControlPorts'. */
    public static final int ETCD_CLIENT_PORT = 2379;
    public static final int ETCD_PEER_PORT = 2380;
    public static final int ETCD_METRICS_PORT = 2381;

    /** Patroni's minimum: a smaller ttl is raised to 20 with a warning. */
    public static final int MIN_TTL = 20;
    public static final int DEFAULT_TTL = 20;
    public static final int DEFAULT_LOOP_WAIT = 5;
    public static final int DEFAULT_RETRY_TIMEOUT = 7;
    public static final String DEFAULT_MAXIMUM_LAG_ON_FAILOVER = "16MB";

    public static final HaSettings NONE = new HaSettings(Mode.NONE, Optional.empty(), 0, DEFAULT_ETCD_IMAGE, DEFAULT_TTL,
            DEFAULT_LOOP_WAIT, DEFAULT_RETRY_TIMEOUT, 16L << 20, false, Map.of(), ControlPorts.DEFAULT);

    public HaSettings {
        Objects.requireNonNull(mode);
        Objects.requireNonNull(preferredLeader);
        Objects.requireNonNull(etcdImage);
        Objects.requireNonNull(controlPorts);
        dcsHosts = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(dcsHosts));
    }

    /** These settings with the etcd members placed on {@code hosts}. */
    public HaSettings withDcsHosts(Map<String, DockerHostSpec> hosts) {
        return new HaSettings(mode, preferredLeader, dcsMembers, etcdImage, ttl, loopWait, retryTimeout,
                maximumLagOnFailover, failsafeMode, hosts, controlPorts);
    }

    public boolean patroni() {
        return mode == Mode.PATRONI;
    }

    /** The etcd members' names: etcd0, etcd1, … */
    public List<String> dcsMemberNames() {
        return java.util.stream.IntStream.range(0, dcsMembers).mapToObj(i -> "etcd" + i).toList();
    }
}
