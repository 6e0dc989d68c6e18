package dev.pgcluster.realdocker;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the exported read-only connection strings send reads: many fresh connections, through
 * pgJDBC ({@code readOnlyJdbcUrl}) and through libpq ({@code readOnlyConnectionString}, with the
 * test image's psql on the host's network, as a client on the Docker host connects), each asking
 * the server for its own address on the cluster network.
 */
final class ReadRouting {
    private ReadRouting() {
    }

    /**
     * Reads served per node, and the attempts that were refused (with the message).
     *
     * @param served   node name → reads that node served
     * @param refusals the error of each attempt that no node served
     */
    record Tally(Map<String, Integer> served, List<String> refusals) {
        int servedBy(String node) {
            return served.getOrDefault(node, 0);
        }

        int total() {
            return served.values().stream().mapToInt(Integer::intValue).sum();
        }

        @Override
        public String toString() {
            return served + (refusals.isEmpty() ? "" : ", " + refusals.size() + " refused");
        }
    }

    static Tally jdbc(RealCluster cluster, int connections) {
        Map<String, String> nodeByAddress = nodeByAddress(cluster);
        String url = cluster.output("readOnlyJdbcUrl");
        var served = new TreeMap<String, Integer>();
        var refusals = new ArrayList<String>();
        for (int i = 0; i < connections; i++) {
            try (Connection c = Sql.connect(url); Statement s = c.createStatement();
                 var rs = s.executeQuery("SELECT host(inet_server_addr())")) {
                rs.next();
                served.merge(node(nodeByAddress, rs.getString(1)), 1, Integer::sum);
            } catch (SQLException e) {
                refusals.add(e.getMessage());
            }
        }
        return new Tally(served, refusals);
    }

    static Tally libpq(RealCluster cluster, int connections) {
        Map<String, String> nodeByAddress = nodeByAddress(cluster);
        // One line per attempt: the server's address, or psql's error joined onto one line.
        String script = "i=0; while [ $i -lt " + connections + " ]; do "
                + "psql -X -A -t -c 'SELECT host(inet_server_addr())' \"$PGC_URI\" 2>&1 | tr '\\n' ' '; echo; "
                + "i=$((i + 1)); done";
        var args = new ArrayList<>(List.of("run", "--rm", "--network", "host", "--label", Docker.TEST_LABEL + "=read-routing",
                "-e", "PGC_URI=" + cluster.output("readOnlyConnectionString")));
        args.addAll(TestTrust.psqlArgs());
        args.addAll(List.of("--entrypoint", "sh", TestImage.reference(), "-c", script));
        String out = Docker.ok(args.toArray(String[]::new));
        var served = new TreeMap<String, Integer>();
        var refusals = new ArrayList<String>();
        for (String line : Docker.lines(out)) {
            String value = line.strip();
            if (nodeByAddress.containsKey(value)) {
                served.merge(nodeByAddress.get(value), 1, Integer::sum);
            } else {
                refusals.add(value);
            }
        }
        if (served.values().stream().mapToInt(Integer::intValue).sum() + refusals.size() != connections) {
            throw new IllegalStateException("expected " + connections + " attempts, read:\n" + out);
        }
        return new Tally(served, refusals);
    }

    private static Map<String, String> nodeByAddress(RealCluster cluster) {
        var byAddress = new HashMap<String, String>();
        for (var node : cluster.config().nodes()) {
            String address = Docker.inspect(cluster.container(node.name()),
                    "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}");
            byAddress.put(address, node.name());
        }
        return byAddress;
    }

    private static String node(Map<String, String> nodeByAddress, String address) {
        String node = nodeByAddress.get(address);
        if (node == null) {
            throw new IllegalStateException("a read was served from " + address + ", which is no node of the stack: " + nodeByAddress);
        }
        return node;
    }
}
