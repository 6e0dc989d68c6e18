package dev.pgcluster.config;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The {@code dockerHosts} and {@code placement} keys: the Docker engines a cluster spans and which
 * node runs on which. Read as objects (YAML maps in the stack file):
 * <pre>
 * pg-cluster:dockerHosts:
 *   h1: {endpoint: tcp://10.0.0.11:2376, certPath: /etc/pg-cluster/docker-tls}
 *   h2: {endpoint: ssh://deploy@10.0.0.12}
 * pg-cluster:placement: {pg0: h1, pg1: h2}
 * </pre>
 */
public final class HostPlacement {
    /** The fields a host may have. */
    public static final List<String> HOST_FIELDS = List.of("endpoint", "certPath", "address");
    /** The files a {@code certPath} must hold: the docker CLI's and the provider's layout. */
    public static final List<String> CERT_FILES = List.of("ca.pem", "cert.pem", "key.pem");
    private static final Pattern HOST_NAME = Pattern.compile("^[a-z][a-z0-9-]{0,19}$");
    private static final Pattern ENDPOINT = Pattern.compile("^(tcp|ssh|unix)://\\S+$");

    private HostPlacement() {
    }

    /**
     * A placement: node → its host, and every host of {@code dockerHosts} in the order config gives
     * them (hosts without a node hold etcd members).
     */
    public record Placed(Map<String, DockerHostSpec> nodes, List<DockerHostSpec> hosts) {
        /** Whether the nodes are on more than one Docker engine. */
        public boolean severalHosts() {
            return distinctEndpoints(nodes).size() > 1;
        }
    }

    /**
     * @param hostsKey      the full key of {@code dockerHosts}
     * @param hostsRaw      its value (JSON text), if set
     * @param placementKey  the full key of {@code placement}
     * @param placementRaw  its value (JSON text), if set
     * @param nodeNames     the cluster's nodes
     * @param problems      where problems go
     * @return node → host; empty when neither key is set (every node on the single-host default)
     */
    public static Optional<Placed> read(String hostsKey, Optional<String> hostsRaw,
                                                             String placementKey, Optional<String> placementRaw,
                                                             List<String> nodeNames, Consumer<String> problems) {
        if (hostsRaw.isEmpty() && placementRaw.isEmpty()) {
            return Optional.empty();
        }
        if (hostsRaw.isEmpty() || placementRaw.isEmpty()) {
            problems.accept((hostsRaw.isEmpty() ? placementKey : hostsKey) + " is set but "
                    + (hostsRaw.isEmpty() ? hostsKey : placementKey) + " is not: set both, " + hostsKey
                    + " (host name → {endpoint, certPath, address}) and " + placementKey + " (node → host name)");
            return Optional.empty();
        }
        var hosts = hosts(hostsKey, hostsRaw.get(), problems);
        Optional<JsonObject> placement = object(placementKey, placementRaw.get(), "a map of node → host name, "
                + "e.g. {pg0: h1, pg1: h2}", problems);
        if (hosts.isEmpty() || placement.isEmpty()) {
            return Optional.empty();
        }
        var result = new LinkedHashMap<String, DockerHostSpec>();
        var unknownNodes = new TreeSet<String>(placement.get().keySet());
        nodeNames.forEach(unknownNodes::remove);
        for (String node : unknownNodes) {
            problems.accept(placementKey + "." + node + " is not allowed: the cluster's nodes are "
                    + String.join(", ", nodeNames));
        }
        for (String node : nodeNames) {
            JsonElement value = placement.get().get(node);
            String key = placementKey + "." + node;
            if (value == null) {
                problems.accept(key + " is not set: with " + placementKey + ", every node names its host ("
                        + String.join(", ", hosts.get().keySet()) + ")");
            } else if (!value.isJsonPrimitive() || !hosts.get().containsKey(value.getAsString())) {
                problems.accept(key + " = " + value + " is not allowed: a host of " + hostsKey + " ("
                        + String.join(", ", hosts.get().keySet()) + ")");
            } else {
                result.put(node, hosts.get().get(value.getAsString()));
            }
        }
        return result.size() == nodeNames.size() && unknownNodes.isEmpty()
                // In the order of their names: a YAML map reaches the program with its keys sorted
                // anyway, and etcd member i goes on the i-th host.
                ? Optional.of(new Placed(result, hosts.get().entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .map(Map.Entry::getValue).toList())) : Optional.empty();
    }

    private static Optional<Map<String, DockerHostSpec>> hosts(String key, String raw, Consumer<String> problems) {
        Optional<JsonObject> object = object(key, raw, "a map of host name → {endpoint, certPath, address}", problems);
        if (object.isEmpty()) {
            return Optional.empty();
        }
        if (object.get().size() == 0) {
            problems.accept(key + " = {} is not allowed: name at least one host");
            return Optional.empty();
        }
        var hosts = new LinkedHashMap<String, DockerHostSpec>();
        boolean valid = true;
        for (var entry : object.get().entrySet()) {
            Optional<DockerHostSpec> host = host(key, entry.getKey(), entry.getValue(), problems);
            valid &= host.isPresent();
            host.ifPresent(h -> hosts.put(entry.getKey(), h));
        }
        valid &= distinct(key, hosts, DockerHostSpec::endpoint, "endpoint", problems);
        valid &= distinct(key, hosts, h -> h.address().orElseThrow(), "address", problems);
        return valid ? Optional.of(hosts) : Optional.empty();
    }

    private static boolean distinct(String key, Map<String, DockerHostSpec> hosts,
                                    java.util.function.Function<DockerHostSpec, String> field, String what,
                                    Consumer<String> problems) {
        var seen = new LinkedHashMap<String, String>();
        boolean valid = true;
        for (var entry : hosts.entrySet()) {
            String other = seen.putIfAbsent(field.apply(entry.getValue()), entry.getKey());
            if (other != null) {
                problems.accept(key + "." + entry.getKey() + "." + what + " = \"" + field.apply(entry.getValue())
                        + "\" is not allowed: " + key + "." + other + " has it too; each host is another Docker "
                        + "engine on another machine, with an " + what + " of its own");
                valid = false;
            }
        }
        return valid;
    }

    private static Optional<DockerHostSpec> host(String key, String name, JsonElement value, Consumer<String> problems) {
        String hostKey = key + "." + name;
        if (!HOST_NAME.matcher(name).matches()) {
            problems.accept(hostKey + " is not allowed: a host name is 1 to 20 lowercase letters, digits and dashes, "
                    + "starting with a letter");
            return Optional.empty();
        }
        if (!value.isJsonObject()) {
            problems.accept(hostKey + " = " + value + " is not allowed: an object {endpoint, certPath, address}");
            return Optional.empty();
        }
        JsonObject fields = value.getAsJsonObject();
        var unknown = new TreeSet<>(fields.keySet());
        HOST_FIELDS.forEach(unknown::remove);
        boolean valid = unknown.isEmpty();
        for (String field : unknown) {
            problems.accept(hostKey + "." + field + " is not a host setting; known: " + String.join(", ", HOST_FIELDS));
        }
        Optional<String> endpoint = text(fields, "endpoint");
        Optional<String> certPath = text(fields, "certPath");
        Optional<String> address = text(fields, "address");
        if (endpoint.isEmpty()) {
            problems.accept(hostKey + ".endpoint is not set: the engine's URL, tcp://ADDRESS:2376 (with certPath) or "
                    + "ssh://USER@HOST");
            return Optional.empty();
        }
        String url = endpoint.get().strip();
        if (!ENDPOINT.matcher(url).matches()) {
            problems.accept(hostKey + ".endpoint = \"" + url + "\" is not allowed: tcp://ADDRESS:PORT (with certPath), "
                    + "ssh://USER@HOST or unix:///PATH");
            return Optional.empty();
        }
        Optional<String> urlHost = urlHost(url);
        if (url.startsWith("tcp://")) {
            if (urlHost.isEmpty()) {
                problems.accept(hostKey + ".endpoint = \"" + url + "\" is not allowed: tcp://ADDRESS:PORT");
                valid = false;
            }
            if (certPath.isEmpty()) {
                problems.accept(hostKey + ".endpoint = \"" + url + "\" is not allowed without " + hostKey + ".certPath: "
                        + "an engine reached over tcp:// must be verified against its CA (a directory with ca.pem, "
                        + "cert.pem and key.pem; README: Several Docker hosts). Without TLS, or TLS without a CA, "
                        + "anyone on the path can pose as the engine, and its API gives root on the host");
                valid = false;
            }
        } else if (certPath.isPresent()) {
            problems.accept(hostKey + ".certPath is not allowed with endpoint \"" + url + "\": it is for tcp:// "
                    + "endpoints (ssh:// uses the ssh client's keys)");
            valid = false;
        }
        if (certPath.isPresent()) {
            valid &= certFiles(hostKey + ".certPath", certPath.get(), problems);
        }
        String resolvedAddress = null;
        if (address.isPresent()) {
            if (!Validators.isIpv4Address(address.get().strip()) || address.get().strip().startsWith("127.")
                    || address.get().strip().equals("0.0.0.0")) {
                problems.accept(hostKey + ".address = \"" + address.get() + "\" is not allowed: the IPv4 address "
                        + "the other hosts reach this one at (not a loopback address, not 0.0.0.0)");
                valid = false;
            } else {
                resolvedAddress = address.get().strip();
            }
        } else if (urlHost.isPresent() && Validators.isIpv4Address(urlHost.get()) && !urlHost.get().startsWith("127.")
                && !urlHost.get().equals("0.0.0.0")) {
            resolvedAddress = urlHost.get();
        } else {
            problems.accept(hostKey + ".address is not set: the IPv4 address the other hosts reach this one at (it "
                    + "is taken from the endpoint only when that names one)");
            valid = false;
        }
        return valid ? Optional.of(new DockerHostSpec(Optional.of(name), url, certPath.map(String::strip),
                Optional.of(resolvedAddress))) : Optional.empty();
    }

    private static boolean certFiles(String key, String raw, Consumer<String> problems) {
        if (raw.strip().chars().anyMatch(Character::isWhitespace)) {
            // The steps read it from PGC_NODE_DOCKER, a table of space-separated fields (pgc_on).
            problems.accept(key + " = \"" + raw + "\" is not allowed: an absolute path without spaces to a directory "
                    + "with " + String.join(", ", CERT_FILES));
            return false;
        }
        Path dir = Path.of(raw.strip());
        if (!dir.isAbsolute()) {
            problems.accept(key + " = \"" + raw + "\" is not allowed: an absolute path to a directory with "
                    + String.join(", ", CERT_FILES));
            return false;
        }
        var missing = new ArrayList<String>();
        for (String file : CERT_FILES) {
            if (!Files.isReadable(dir.resolve(file))) {
                missing.add(file);
            }
        }
        if (!missing.isEmpty()) {
            problems.accept(key + " = \"" + raw + "\" is not allowed: it has no readable " + String.join(", ", missing)
                    + " (it must hold " + String.join(", ", CERT_FILES) + ": the CA that signed the engine's "
                    + "certificate, and this client's certificate and key)");
            return false;
        }
        return true;
    }

    private static Optional<String> urlHost(String url) {
        try {
            return Optional.ofNullable(URI.create(url).getHost()).filter(h -> !h.isEmpty());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> text(JsonObject fields, String name) {
        JsonElement value = fields.get(name);
        return value == null || value.isJsonNull() || !value.isJsonPrimitive()
                ? Optional.empty() : Optional.of(value.getAsString()).filter(s -> !s.isBlank());
    }

    private static Optional<JsonObject> object(String key, String raw, String allowed, Consumer<String> problems) {
        try {
            JsonElement parsed = JsonParser.parseString(raw);
            if (parsed.isJsonObject()) {
                return Optional.of(parsed.getAsJsonObject());
            }
        } catch (JsonSyntaxException e) {
            // Reported below.
        }
        problems.accept(key + " = " + raw + " is not allowed: " + allowed + " (a YAML map in the stack file, or "
                + "pulumi config set --path)");
        return Optional.empty();
    }

    /** The distinct hosts of a placement, in node order. */
    public static Set<String> distinctEndpoints(Map<String, DockerHostSpec> placement) {
        var endpoints = new java.util.LinkedHashSet<String>();
        placement.values().forEach(h -> endpoints.add(h.endpoint()));
        return endpoints;
    }
}
