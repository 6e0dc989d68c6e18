package dev.pgcluster.mode.patroni;

import com.google.gson.GsonBuilder;
import dev.pgcluster.cluster.PostgresNode;
import dev.pgcluster.cluster.ServerSettings;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.HaSettings;
import dev.pgcluster.config.SyncReplication;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files {@code ha: patroni} puts on the volumes, and the names and paths both sides of them
 * agree on: a Patroni member's configuration (without secrets), its secrets file, the dynamic
 * (DCS) configuration, and an etcd member's configuration. Every text is JSON, which is YAML too:
 * Patroni and etcd read it as their YAML configuration, and nothing here needs a quoting rule of
 * its own.
 */
public final class PatroniFiles {
    /** On a Patroni member's volume, beside PGDATA and the conf step's files. */
    public static final String CONF_DIR = PostgresNode.CONF_DIR;
    /** Patroni's configuration directory: it merges every *.yml in it in name order. */
    public static final String CONFIG_DIR = CONF_DIR + "/patroni";
    public static final String CONFIG_FILE = "patroni/00-patroni.yml";
    /** Passwords only (owner postgres, mode 0600), merged over {@link #CONFIG_FILE}. */
    public static final String SECRETS_FILE = "patroni/10-secrets.yml";
    /** The control-plane CA (etcd and the REST API), apart from the CA PostgreSQL's TLS uses. */
    public static final String DCS_CA = "dcs-ca.crt";
    /** A member's key and certificate for the REST API and as etcd's client; signed by the control-plane CA. */
    public static final String MEMBER_KEY = "member.key";
    public static final String MEMBER_CERT = "member.crt";
    /** Patroni writes the replication password here for pg_basebackup, pg_rewind and primary_conninfo. */
    public static final String PGPASS = CONF_DIR + "/pgpass";
    public static final int REST_API_PORT = HaSettings.REST_API_PORT;
    /** The REST API's basic-auth user for unsafe calls (PATCH /config, POST /switchover). */
    public static final String REST_API_USER = "patroni";
    /** Where PostgreSQL's Unix socket lives (a tmpfs in the member's container). */
    public static final String SOCKET_DIRECTORY = "/var/run/postgresql";
    public static final String BIN_DIR = "/usr/lib/postgresql/17/bin";

    /**
     * The member names of etcd's {@code initial-cluster} in the text of a member's configuration
     * file ({@link #etcdConfig}; the text may be inside a tar stream); empty when it has none.
     */
    public static List<String> initialClusterMembers(String text) {
        return initialCluster(text).map(PatroniFiles::memberNames).orElse(List.of());
    }

    /** The member names of an {@code initial-cluster} value ({@code name=peerURL,…}). */
    public static List<String> memberNames(String initialCluster) {
        return java.util.Arrays.stream(initialCluster.split(","))
                .map(member -> member.substring(0, member.indexOf('='))).toList();
    }

    /**
     * etcd's {@code initial-cluster} (each member's name and peer URL) in the text of a member's
     * configuration file; empty when it has none.
     */
    public static java.util.Optional<String> initialCluster(String text) {
        return configValue(text, "initial-cluster").filter(value -> !value.isEmpty());
    }

    /**
     * A top-level string value of a member's configuration file ({@link #etcdConfig},
     * {@link #memberConfig}: JSON; the text may be inside a tar stream): its first occurrence.
     */
    public static java.util.Optional<String> configValue(String text, String key) {
        var m = java.util.regex.Pattern.compile("\"" + java.util.regex.Pattern.quote(key) + "\": \"([^\"]*)\"").matcher(text);
        return m.find() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
    }

    /** The REST API's {@code connect_address} in the text of a Patroni member's configuration file. */
    public static java.util.Optional<String> restApiAddress(String text) {
        var m = java.util.regex.Pattern.compile("\"restapi\": \\{[^}]*\"connect_address\": \"([^\"]*)\"").matcher(text);
        return m.find() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
    }

    /** Where the other members reach {@code node}'s REST API (its {@code connect_address}). */
    static String restApiAddress(ClusterConfig config, String node) {
        return config.peerHost(node) + ":" + config.ha().controlPorts().restApi();
    }

    /** Where clients reach etcd {@code member} (its {@code advertise-client-urls}). */
    static String etcdClientUrl(ClusterConfig config, String member) {
        return "https://" + config.dcsPeerHost(member) + ":" + config.ha().controlPorts().etcdClient();
    }

    /** Where the other etcd members reach {@code member} (its {@code initial-advertise-peer-urls}). */
    static String etcdPeerUrl(ClusterConfig config, String member) {
        return "https://" + config.dcsPeerHost(member) + ":" + config.ha().controlPorts().etcdPeer();
    }

    /** etcd's {@code initial-cluster} as config declares it: every member at its peer URL. */
    static String initialCluster(ClusterConfig config) {
        return String.join(",", config.ha().dcsMemberNames().stream().map(m -> m + "=" + etcdPeerUrl(config, m)).toList());
    }

    /** etcd's volume: conf/ (key, certificates, configuration) and data/. */
    public static final String ETCD_VOLUME_PATH = "/var/lib/etcd";
    public static final String ETCD_CONF_DIR = ETCD_VOLUME_PATH + "/conf";
    public static final String ETCD_CONFIG_FILE = "etcd.conf.yml";
    public static final String ETCD_DATA_DIR = ETCD_VOLUME_PATH + "/data";
    /** etcd runs as this user: numeric, so that any etcd image (the official one has no passwd entry) can run it. */
    public static final String ETCD_USER = "65532:65532";
    public static final int ETCD_CLIENT_PORT = HaSettings.ETCD_CLIENT_PORT;
    public static final int ETCD_PEER_PORT = HaSettings.ETCD_PEER_PORT;
    /**
     * etcd's /metrics and /health over plain HTTP, without a client certificate: metrics and the
     * member's health only, no key or value. Reached on the cluster network; across hosts
     * published on the member's host address (for Prometheus), like the exporters' ports.
     */
    public static final int ETCD_METRICS_PORT = HaSettings.ETCD_METRICS_PORT;
    /** How soon a standby that lost its leader tries again (PostgreSQL's default: 5s). */
    static final String WAL_RETRIEVE_RETRY_INTERVAL = "1s";
    /** PostgreSQL's (and Patroni's) {@code max_connections} when {@code maxConnections} is unset. */
    static final int DEFAULT_MAX_CONNECTIONS = 100;

    private PatroniFiles() {
    }

    /** The Patroni scope (the cluster's name in the DCS): the stack's name prefix. */
    static String scope(ClusterConfig config) {
        return config.namePrefix();
    }

    /** {@code host:2379} of every etcd member, as Patroni's etcd3.hosts wants it. */
    static List<String> etcdHosts(ClusterConfig config) {
        return config.ha().dcsMemberNames().stream()
                .map(m -> config.dcsPeerHost(m) + ":" + config.ha().controlPorts().etcdClient()).toList();
    }

    /** etcd member → its metrics endpoint ({@code host:2381}) on the cluster network, for Prometheus. */
    public static Map<String, String> etcdMetricsAddresses(ClusterConfig config) {
        var addresses = new LinkedHashMap<String, String>();
        config.ha().dcsMemberNames().forEach(m -> addresses.put(m,
                (config.peersByAddress() ? config.dcsPeerHost(m) + ":" + config.ha().controlPorts().etcdMetrics()
                        : m + ":" + ETCD_METRICS_PORT)));
        return addresses;
    }

    /**
     * What Patroni keeps in the DCS and applies to every member: timings, failover bounds,
     * synchronous mode, and the PostgreSQL settings every node shares (those of {@code ha: none},
     * but for {@code listen_addresses}, which Patroni sets from {@code postgresql.listen}, and
     * {@code synchronous_standby_names}, which Patroni manages). Written at bootstrap; changes reach
     * a running cluster through {@code PATCH /config}.
     */
    public static Map<String, Object> dynamicConfig(ClusterConfig config) {
        HaSettings ha = config.ha();
        var dcs = new LinkedHashMap<String, Object>();
        dcs.put("ttl", ha.ttl());
        dcs.put("loop_wait", ha.loopWait());
        dcs.put("retry_timeout", ha.retryTimeout());
        dcs.put("maximum_lag_on_failover", ha.maximumLagOnFailover());
        SyncReplication sync = config.sync();
        // ANY n is Patroni's quorum mode, FIRST n its synchronous (priority) mode.
        dcs.put("synchronous_mode", switch (sync.method()) {
            case OFF -> false;
            case FIRST -> true;
            case ANY -> "quorum";
        });
        dcs.put("synchronous_node_count", sync.enabled() ? sync.count() : 1);
        // Strict: with no synchronous standby left the leader waits instead of acknowledging
        // commits that only it holds, as in ha: none (Patroni's default would go asynchronous).
        dcs.put("synchronous_mode_strict", sync.enabled());
        dcs.put("failsafe_mode", ha.failsafeMode());
        var postgresql = new LinkedHashMap<String, Object>();
        postgresql.put("use_pg_rewind", true);
        postgresql.put("use_slots", true);
        var parameters = new LinkedHashMap<String, Object>(ServerSettings.forNode(config));
        parameters.remove("listen_addresses");
        parameters.remove("synchronous_standby_names");
        // Patroni keeps it per node (memberConfig): a local setting wins over the DCS's.
        parameters.remove("unix_socket_directories");
        // A standby whose WAL stream broke tries again after 1 s instead of PostgreSQL's 5 s (a new
        // primary_conninfo restarts the receiver at once anyway): when the leader restarts in
        // place, or a first attempt at a new leader fails, the quorum standbys that the leader's
        // commits wait for stream again that much sooner. The cost: one attempt a second while
        // no leader answers.
        parameters.put("wal_retrieve_retry_interval", WAL_RETRIEVE_RETRY_INTERVAL);
        // Always named: PATCH /config keeps a key it is not sent, so a value taken out of config
        // must be sent as PostgreSQL's default to go back to it.
        parameters.put("max_connections", String.valueOf(config.maxConnections().orElse(DEFAULT_MAX_CONNECTIONS)));
        parameters.putIfAbsent("synchronous_commit", "on");
        postgresql.put("parameters", parameters);
        dcs.put("postgresql", postgresql);
        return dcs;
    }

    /**
     * The command, run in a member's container, that prints the DCS configuration as its REST API
     * gives it ({@code GET /config}, JSON), with the member's client certificate.
     */
    static List<String> readDcsConfigCommand() {
        return List.of("python3", "-c", "import ssl, urllib.request\n"
                + "c = ssl.create_default_context(cafile=\"" + CONF_DIR + "/" + DCS_CA + "\")\n"
                + "c.load_cert_chain(\"" + CONF_DIR + "/" + MEMBER_CERT + "\", \"" + CONF_DIR + "/" + MEMBER_KEY + "\")\n"
                + "print(urllib.request.urlopen(\"https://localhost:" + REST_API_PORT + "/config\", context=c, timeout=10)"
                + ".read().decode())\n");
    }

    /**
     * Where the DCS configuration differs from the declared one, key by key, for the declared keys
     * only (what Patroni adds, {@code pause} among them, is not compared), values compared as text
     * (Patroni keeps some as strings, some as numbers), as init/patroni/patch-config.py compares.
     */
    static List<String> differences(Map<String, Object> declared, com.google.gson.JsonElement found) {
        var out = new ArrayList<String>();
        differences(declared, found, "", out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void differences(Object declared, com.google.gson.JsonElement found, String path, List<String> out) {
        if (declared instanceof Map<?, ?> map) {
            for (var entry : ((Map<String, Object>) map).entrySet()) {
                com.google.gson.JsonElement child = found != null && found.isJsonObject()
                        ? found.getAsJsonObject().get(entry.getKey()) : null;
                differences(entry.getValue(), child, path + "/" + entry.getKey(), out);
            }
            return;
        }
        String got = found == null || found.isJsonNull() ? "none"
                : found.isJsonPrimitive() ? found.getAsString() : found.toString();
        if (!String.valueOf(declared).equalsIgnoreCase(got)) {
            out.add(path + " = " + got + " (declared " + declared + ")");
        }
    }

    /** {@link #dynamicConfig} as the JSON that {@code PATCH /config} sends. */
    public static String dynamicConfigJson(ClusterConfig config) {
        return json(dynamicConfig(config));
    }

    /** A Patroni member's configuration: everything but its passwords. */
    public static String memberConfig(ClusterConfig config, String node) {
        // Where the other members reach it: its container name, or across hosts its host's
        // address (the REST API published there on its own port, PostgreSQL on the node's).
        String host = config.peerHost(node);
        var root = new LinkedHashMap<String, Object>();
        root.put("scope", scope(config));
        root.put("namespace", "/service/");
        root.put("name", node);
        root.put("log", Map.of("level", "INFO"));
        var restapi = new LinkedHashMap<String, Object>();
        restapi.put("listen", "0.0.0.0:" + REST_API_PORT);
        restapi.put("connect_address", restApiAddress(config, node));
        restapi.put("certfile", CONF_DIR + "/" + MEMBER_CERT);
        restapi.put("keyfile", CONF_DIR + "/" + MEMBER_KEY);
        restapi.put("cafile", CONF_DIR + "/" + DCS_CA);
        // Every call, GET too, needs a certificate the control-plane CA signed; unsafe ones also
        // the basic-auth user of the secrets file.
        restapi.put("verify_client", "required");
        root.put("restapi", restapi);
        // Patroni's calls to other members and patronictl: with verify_client required they
        // present the member's certificate.
        var ctl = new LinkedHashMap<String, Object>();
        ctl.put("cacert", CONF_DIR + "/" + DCS_CA);
        ctl.put("certfile", CONF_DIR + "/" + MEMBER_CERT);
        ctl.put("keyfile", CONF_DIR + "/" + MEMBER_KEY);
        root.put("ctl", ctl);
        var etcd = new LinkedHashMap<String, Object>();
        etcd.put("hosts", etcdHosts(config));
        etcd.put("protocol", "https");
        etcd.put("cacert", CONF_DIR + "/" + DCS_CA);
        etcd.put("cert", CONF_DIR + "/" + MEMBER_CERT);
        etcd.put("key", CONF_DIR + "/" + MEMBER_KEY);
        root.put("etcd3", etcd);
        var bootstrap = new LinkedHashMap<String, Object>();
        bootstrap.put("dcs", dynamicConfig(config));
        // Checksums and hint bits for pg_rewind; peer over the socket, SCRAM over the network.
        bootstrap.put("initdb", List.of("data-checksums", Map.of("encoding", "UTF8"), Map.of("auth-local", "peer"),
                Map.of("auth-host", "scram-sha-256")));
        root.put("bootstrap", bootstrap);
        var postgresql = new LinkedHashMap<String, Object>();
        postgresql.put("listen", "0.0.0.0:" + PostgresNode.POSTGRES_PORT);
        postgresql.put("connect_address", host + ":" + config.peerPort(node));
        postgresql.put("data_dir", PostgresNode.PGDATA);
        postgresql.put("bin_dir", BIN_DIR);
        postgresql.put("pgpass", PGPASS);
        // Patroni's own superuser sessions: the Unix socket with peer authentication, so the
        // superuser needs no password here (pg_hba rejects it over the network).
        postgresql.put("use_unix_socket", true);
        postgresql.put("use_unix_socket_repl", false);
        var tlsToPeers = new LinkedHashMap<String, Object>();
        tlsToPeers.put("sslmode", "verify-full");
        tlsToPeers.put("sslrootcert", CONF_DIR + "/ca.crt");
        var replication = new LinkedHashMap<String, Object>();
        replication.put("username", config.replicationUser());
        replication.putAll(tlsToPeers);
        // pg_rewind logs in as the replication role too: it has the four functions pg_rewind
        // needs (the passwords step grants them), and pg_hba lets it into database postgres
        // from the cluster network only.
        var rewind = new LinkedHashMap<String, Object>(replication);
        var authentication = new LinkedHashMap<String, Object>();
        authentication.put("superuser", Map.of("username", ClusterConfig.SUPERUSER));
        authentication.put("replication", replication);
        authentication.put("rewind", rewind);
        postgresql.put("authentication", authentication);
        // A new or rebuilt replica's base backup asks the leader for an immediate checkpoint, as
        // ha: none's does (pg_basebackup --checkpoint=fast): Patroni's default, a spread one,
        // took 1.4 s of a new replica's 4 s copy here, writing 17 buffers.
        postgresql.put("basebackup", List.of(Map.of("checkpoint", "fast")));
        // The node's own settings; the shared ones are in the DCS. hba_file (there) makes Patroni
        // leave pg_hba.conf to the conf step, the same file as in ha: none.
        postgresql.put("parameters", Map.of("unix_socket_directories", ServerSettings.forNode(config)
                .getOrDefault("unix_socket_directories", SOCKET_DIRECTORY)));
        root.put("postgresql", postgresql);
        // No watchdog device in a container.
        root.put("watchdog", Map.of("mode", "off"));
        root.put("tags", ordered("nofailover", false, "noloadbalance", false, "clonefrom", false, "nosync", false));
        return "# Patroni configuration of " + node + ", written by pg-cluster (no secret in here: "
                + SECRETS_FILE + " holds the passwords)\n" + json(root) + "\n";
    }

    /** A member's secrets file: the REST API's and the replication role's passwords. */
    public static String memberSecrets(ClusterConfig config, String restApiPassword, String replicationPassword) {
        var root = new LinkedHashMap<String, Object>();
        root.put("restapi", Map.of("authentication", ordered("username", REST_API_USER, "password", restApiPassword)));
        var replication = Map.of("password", replicationPassword);
        root.put("postgresql", Map.of("authentication", ordered("replication", replication, "rewind", replication)));
        return json(root) + "\n";
    }

    /** An etcd member's configuration ({@code etcd --config-file}): static membership, TLS for clients and peers. */
    public static String etcdConfig(ClusterConfig config, String member) {
        var root = new LinkedHashMap<String, Object>();
        root.put("name", member);
        root.put("data-dir", ETCD_DATA_DIR);
        root.put("listen-client-urls", "https://0.0.0.0:" + ETCD_CLIENT_PORT);
        root.put("advertise-client-urls", etcdClientUrl(config, member));
        root.put("listen-peer-urls", "https://0.0.0.0:" + ETCD_PEER_PORT);
        // For Prometheus (pg-cluster-etcd job): an http URL makes etcd serve it without TLS.
        root.put("listen-metrics-urls", "http://0.0.0.0:" + ETCD_METRICS_PORT);
        root.put("initial-advertise-peer-urls", etcdPeerUrl(config, member));
        root.put("initial-cluster", initialCluster(config));
        root.put("initial-cluster-state", "new");
        root.put("initial-cluster-token", config.namePrefix());
        var security = new LinkedHashMap<String, Object>();
        security.put("cert-file", ETCD_CONF_DIR + "/" + MEMBER_CERT);
        security.put("key-file", ETCD_CONF_DIR + "/" + MEMBER_KEY);
        security.put("trusted-ca-file", ETCD_CONF_DIR + "/" + DCS_CA);
        security.put("client-cert-auth", true);
        root.put("client-transport-security", security);
        root.put("peer-transport-security", security);
        root.put("tls-min-version", "TLS1.3");
        // Patroni rewrites its keys every loop; etcd keeps every revision until compacted, and
        // refuses writes (NOSPACE) once its backend is full. An hour of history is plenty.
        root.put("auto-compaction-mode", "periodic");
        root.put("auto-compaction-retention", "1h");
        root.put("logger", "zap");
        root.put("log-level", "info");
        return json(root) + "\n";
    }

    /**
     * A map that keeps the order given: the texts here are step inputs, and {@code Map.of}'s order
     * changes from one JVM to the next (every `pulumi up` is a new one), which would change them
     * on every run. Single-key maps may use {@code Map.of}.
     */
    private static Map<String, Object> ordered(Object... keysAndValues) {
        var map = new LinkedHashMap<String, Object>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static String json(Map<String, Object> value) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(value);
    }
}
