package dev.pgcluster.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.pgcluster.realdocker.Docker;
import dev.pgcluster.realdocker.DockerLab;
import dev.pgcluster.realdocker.Shell;
import dev.pgcluster.realdocker.TestTrust;
import dev.pgcluster.realdocker.SteadyWriter;
import dev.pgcluster.realdocker.TestImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * pg-cluster's benchmark (README, "Performance"): bring-up against a docker-compose baseline and
 * the minimal hand-run sequence, base backup throughput against a raw copy, replication lag and
 * TPS under pgbench (asynchronous and synchronous), the switchover write gap, and destroy. Every
 * comparison is measured side by side in one run, on the real Docker engine with the project's
 * image and the real Pulumi CLI running this project as a user does.
 *
 * <p>Run with {@code bench/run.sh [--runs N] [--replicas 1,2,3] [--scale S] [--pgbench-seconds T]
 * [--switchovers K]}; writes {@code target/bench/bench.json} and {@code target/bench/bench.md}
 * and prints the table. Objects it creates are named {@code pg-cluster-bench-*}, {@code pgcbench*}
 * and {@code pgcmin-*}; it removes only those.
 */
public final class Bench {
    private static final Path ROOT = Path.of("target", "bench").toAbsolutePath();
    /** The stacks' monitoring role (its default name), which reads pg_stat_wal_receiver and pg_stat_replication. */
    private static final String MONITORING_USER = "monitoring";
    /** The stacks' application role (its default name for the database postgres): pgbench's network client. */
    private static final String APP_USER = "postgres_app";
    private static final String PASSWORD = "bench-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
    private static final String COMPOSE_PROJECT = "pgcbench";
    private static final String MINIMAL_NAME = "pgcmin";
    private static final Duration LIMIT = Duration.ofMinutes(10);

    private final int runs;
    private final List<Integer> replicaCounts;
    private final int scale;
    private final int pgbenchSeconds;
    private final int switchovers;
    private final int kills;
    /** Which parts run: all, or only one section (bench/run.sh --only bringup, start, backups, patroni or hosts). */
    private final String only;
    private final String image = TestImage.reference();
    private final Path project = ROOT.resolve("project");
    private final Map<String, String> cliEnv = new LinkedHashMap<>();
    private final BenchReport report;
    private final List<Integer> baselinePorts = freePorts(4);
    private int subnet = 0;

    private Bench(Map<String, String> options) {
        runs = Integer.parseInt(options.getOrDefault("runs", "3"));
        replicaCounts = List.of(options.getOrDefault("replicas", "1,2,3").split(",")).stream().map(Integer::parseInt).toList();
        scale = Integer.parseInt(options.getOrDefault("scale", "100"));
        pgbenchSeconds = Integer.parseInt(options.getOrDefault("pgbench-seconds", "60"));
        switchovers = Integer.parseInt(options.getOrDefault("switchovers", "5"));
        kills = Integer.parseInt(options.getOrDefault("kills", "5"));
        only = options.getOrDefault("only", "all");
        report = new BenchReport(machine());
    }

    public static void main(String[] args) throws Exception {
        var options = new LinkedHashMap<String, String>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: bench/run.sh [--runs N] [--replicas 1,2,3] [--scale S] "
                        + "[--pgbench-seconds T] [--switchovers K] [--kills K] [--only bringup|start|patroni|hosts|backups]; got "
                        + String.join(" ", args));
            }
            options.put(args[i].substring(2), args[++i]);
        }
        Instant started = Instant.now();
        var bench = new Bench(options);
        try {
            bench.run();
        } finally {
            bench.cleanUp();
        }
        bench.report.machine().put("harness run time", Duration.between(started, Instant.now()).toSeconds() + " s");
        bench.write();
        System.exit(0);
    }

    private void run() throws Exception {
        prepareProject();
        cleanUp();
        if (only.equals("all") || only.equals("bringup")) {
            for (int n : replicaCounts) {
                bringUp(n);
            }
        }
        if (only.equals("all")) {
            baseBackupLagAndTps();
            switchoverGap();
        }
        if (only.equals("all") || only.equals("start")) {
            programStart();
        }
        if (only.equals("all") || only.equals("backups")) {
            backups();
        }
        if (only.equals("all") || only.equals("patroni")) {
            patroni();
        }
        if (only.equals("all") || only.equals("hosts")) {
            hosts();
        }
        compare();
    }

    // ------------------------------------------------- several Docker hosts

    /** pgbench's scale for the several-hosts section: small, so the lab's engines load it quickly. */
    private static final int HOSTS_SCALE = 20;

    /**
     * Nodes on the three Docker engines of tools/docker-lab (TLS, one node per host), side by side
     * with the same three nodes all on one of those engines: bring-up, and the asynchronous
     * replay lag of a standby under pgbench (on the primary's socket, scale {@link #HOSTS_SCALE}).
     * Then {@code ha: patroni} across the hosts: under a steady writer, the write outage after the
     * leader's host is cut off the network (Patroni fails over by itself; the host is plugged back
     * in and its member rejoins before the next cut).
     */
    private void hosts() throws Exception {
        String section = "Several Docker hosts (tools/docker-lab: 3 engines, TLS; 2 replicas)";
        DockerLab.up();
        try {
            for (boolean spread : List.of(false, true)) {
                String stack = spread ? "bench-hosts3" : "bench-hosts1";
                String where = spread ? "one node per host" : "all nodes on h1";
                initStack(stack, 2);
                setConfig(stack, Map.of("monitoring", "false"));
                placeOnLab(stack, spread ? List.of("h1", "h2", "h3") : List.of("h1", "h1", "h1"));
                Instant t0 = Instant.now();
                cli(project, "up", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi up " + stack);
                double up = seconds(t0, Instant.now());
                report.add(section, "whole `pulumi up`, " + where, "s", List.of(up));
                var lag = labLoad(stack, "h1");
                report.add(section, "async replay lag p99 under pgbench, " + where, "ms",
                        List.of(BenchParsers.percentile(lag, 99)));
                report.add(section, "async replay lag max under pgbench, " + where, "ms",
                        List.of(BenchParsers.percentile(lag, 100)));
                System.out.printf("bench: hosts, %s: pulumi up %.1f s, replay lag p99 %.1f ms (%d samples)%n", where,
                        up, BenchParsers.percentile(lag, 99), lag.size());
                cli(project, "destroy", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi destroy " + stack);
            }
            hostCuts(section);
        } finally {
            for (String host : DockerLab.HOSTS) {
                DockerLab.cable(host, true);
            }
            DockerLab.down();
        }
    }

    /** dockerHosts (the lab's three engines) and placement pgN → {@code hosts.get(N)}, as YAML maps. */
    private void placeOnLab(String stack, List<String> hosts) {
        for (String host : DockerLab.HOSTS) {
            cli(project, "config", "set", "--path", "--stack", stack, "pg-cluster:dockerHosts." + host + ".endpoint",
                    DockerLab.endpoint(host)).orThrow("config set dockerHosts");
            cli(project, "config", "set", "--path", "--stack", stack, "pg-cluster:dockerHosts." + host + ".certPath",
                    DockerLab.CERT_PATH).orThrow("config set dockerHosts");
        }
        for (int i = 0; i < hosts.size(); i++) {
            cli(project, "config", "set", "--path", "--stack", stack, "pg-cluster:placement.pg" + i, hosts.get(i))
                    .orThrow("config set placement");
        }
    }

    /**
     * pgbench on the primary (pg0, on lab host {@code host}) for {@code pgbenchSeconds}, on its
     * socket; meanwhile pg1's replay lag as the primary reports it, sampled every 100 ms inside the
     * primary's container (so the sampling itself crosses no network). Milliseconds.
     */
    private List<Double> labLoad(String stack, String host) {
        String primary = "pg-cluster-" + stack + "-pg0";
        DockerLab.dockerOk(host, "exec", "-u", "postgres", primary, "pgbench", "-i", "-q", "-s", String.valueOf(HOSTS_SCALE),
                "postgres");
        int samples = pgbenchSeconds * 10;
        var sampler = new java.util.concurrent.CompletableFuture<String>();
        var thread = new Thread(() -> sampler.complete(DockerLab.docker(host, "exec", "-u", "postgres", primary, "sh", "-c",
                "i=0; while [ $i -lt " + samples + " ]; do psql -X -q -At -d postgres -c \"SELECT coalesce(extract(epoch "
                        + "FROM replay_lag) * 1000, 0) FROM pg_stat_replication WHERE application_name = 'pg1'\"; sleep 0.1; "
                        + "i=$((i + 1)); done").stdout()), "lab-lag-sampler");
        thread.start();
        DockerLab.dockerOk(host, "exec", "-u", "postgres", primary, "pgbench", "-n", "-c", "4", "-j", "2", "-T",
                String.valueOf(pgbenchSeconds), "postgres");
        String out = sampler.join();
        return out.lines().filter(l -> !l.isBlank()).map(Double::parseDouble).toList();
    }

    /**
     * {@code ha: patroni} over the three lab hosts: {@code kills} times, the leader's host cut off
     * the network under a steady writer; the write outage (the longest gap between two acknowledged
     * writes), then the host plugged back in and its member streaming again.
     */
    private void hostCuts(String section) throws Exception {
        String stack = "bench-hosts-patroni";
        String prefix = "pg-cluster-" + stack;
        initStack(stack, 2);
        setConfig(stack, Map.of("monitoring", "false", "ha", "patroni", "etcdImage", image));
        placeOnLab(stack, List.of("h1", "h2", "h3"));
        cli(project, "up", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi up " + stack);
        var hostOf = Map.of("pg0", "h1", "pg1", "h2", "pg2", "h3");
        var outages = new ArrayList<Double>();
        int lost;
        try (var writer = new SteadyWriter(outputs(stack).get("primaryJdbcUrl").getAsString()
                + "&connectTimeout=3&socketTimeout=5")) {
            writer.awaitProgress(100, Duration.ofSeconds(60));
            for (int i = 1; i <= kills; i++) {
                String leader = labLeader(prefix, hostOf, "", Duration.ofSeconds(90));
                String host = hostOf.get(leader);
                awaitLab(host, prefix + "-" + leader, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'",
                        "2", Duration.ofSeconds(180));
                writer.awaitProgress(100, Duration.ofSeconds(60));
                Instant cut = Instant.now();
                DockerLab.cable(host, false);
                String next;
                try {
                    next = labLeader(prefix, hostOf, host, Duration.ofSeconds(120));
                    writer.awaitProgress(100, Duration.ofSeconds(90));
                    outages.add(writer.longestGap(cut.minusSeconds(1), Instant.now()).toMillis() / 1000.0);
                } finally {
                    DockerLab.cable(host, true);
                }
                awaitLab(host, prefix + "-" + leader, "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'",
                        "1", Duration.ofSeconds(180));
                System.out.printf("bench: hosts, patroni: %s's host %s cut off, %s leads, writes stopped for %.1f s%n",
                        leader, host, next, last(outages));
            }
            writer.close();
            String leader = labLeader(prefix, hostOf, "", Duration.ofSeconds(60));
            var ids = writer.acknowledged();
            String present = DockerLab.psql(hostOf.get(leader), prefix + "-" + leader, "SELECT count(*) FROM public.ack "
                    + "WHERE id = ANY ('{" + String.join(",", ids.stream().map(String::valueOf).toList()) + "}'::bigint[])");
            lost = ids.size() - Integer.parseInt(present);
        }
        report.add(section, "ha: patroni, leader's host cut off → first acknowledged write on the new leader", "s", outages);
        report.add(section, "ha: patroni, acknowledged writes lost over every host cut", "", List.of((double) lost));
        cli(project, "destroy", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi destroy " + stack);
    }

    /** The member that leads, as Patroni says on a member not on host {@code cutOff}, waited for. */
    private static String labLeader(String prefix, Map<String, String> hostOf, String cutOff, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            String leader = DockerLab.patroniLeader(prefix, hostOf, cutOff);
            if (leader != null && !hostOf.get(leader).equals(cutOff)) {
                return leader;
            }
            Docker.sleep(Duration.ofMillis(250));
        }
        throw new IllegalStateException("no leader (off " + cutOff + ") after " + timeout);
    }

    private static void awaitLab(String host, String container, String sql, String expected, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            var out = DockerLab.docker(host, "exec", "-u", "postgres", container, "psql", "-X", "-q", "-At", "-d", "postgres",
                    "-c", sql);
            if (out.ok() && out.stdout().strip().equals(expected)) {
                return;
            }
            Docker.sleep(Duration.ofMillis(500));
        }
        throw new IllegalStateException(container + ": " + sql + " never gave " + expected + " within " + timeout);
    }

    // ------------------------------------------------------- ha: patroni

    /**
     * {@code ha: patroni} (2 replicas, {@code any 1}, 3 etcd members) against {@code ha: none} with
     * the same nodes: the bring-up; then, under a steady writer, the write outage after a
     * {@code docker kill -s KILL} of the leader (Patroni fails over by itself; the killed member is
     * started again and rejoins before the next kill), and the write gap of a planned switchover
     * through {@code primary}.
     */
    private void patroni() throws Exception {
        String section = "ha: patroni (2 replicas, any 1, 3 etcd members)";
        var none = new ArrayList<Double>();
        var patroni = new ArrayList<Double>();
        for (int run = 1; run <= runs; run++) {
            for (boolean withPatroni : List.of(false, true)) {
                String stack = withPatroni ? "bench-patroni" : "bench-none";
                initStack(stack, 2);
                var values = new LinkedHashMap<String, String>(Map.of("synchronous", "any 1"));
                if (withPatroni) {
                    values.put("ha", "patroni");
                    values.put("etcdImage", image);
                }
                setConfig(stack, values);
                Instant t0 = Instant.now();
                cli(project, "up", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi up " + stack);
                (withPatroni ? patroni : none).add(seconds(t0, Instant.now()));
                if (!withPatroni || run < runs) {
                    cli(project, "destroy", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi destroy " + stack);
                }
            }
            System.out.printf("bench: bring-up, ha none %.1f s, ha patroni %.1f s%n", last(none), last(patroni));
        }
        report.add(section, "whole `pulumi up`, ha: none (the same nodes)", "s", none);
        report.add(section, "whole `pulumi up`, ha: patroni", "s", patroni);

        String stack = "bench-patroni";
        String prefix = "pg-cluster-" + stack;
        var outages = new ArrayList<Double>();
        var gaps = new ArrayList<Double>();
        var ups = new ArrayList<Double>();
        int lost = 0;
        try (var writer = new SteadyWriter(outputs(stack).get("primaryJdbcUrl").getAsString())) {
            writer.awaitProgress(100, Duration.ofSeconds(60));
            for (int i = 1; i <= kills; i++) {
                String leader = patroniLeader(prefix, null, Duration.ofSeconds(60));
                awaitStreamingStandbys(leader, 2, Duration.ofSeconds(120));
                writer.awaitProgress(100, Duration.ofSeconds(60));
                Instant killed = Instant.now();
                docker("kill", "--signal", "KILL", leader).orThrow("docker kill " + leader);
                String next = patroniLeader(prefix, leader, Duration.ofSeconds(90));
                writer.awaitProgress(100, Duration.ofSeconds(90));
                outages.add(writer.longestGap(killed.minusSeconds(1), Instant.now()).toMillis() / 1000.0);
                docker("start", leader).orThrow("docker start " + leader);
                System.out.printf("bench: patroni failover %d: %s killed, %s leads, writes stopped for %.1f s%n", i, leader,
                        next, last(outages));
            }
            for (int i = 1; i <= switchovers; i++) {
                String leader = patroniLeader(prefix, null, Duration.ofSeconds(60));
                awaitStreamingStandbys(leader, 2, Duration.ofSeconds(120));
                String target = leader.endsWith("pg1") ? "pg2" : "pg1";
                setConfig(stack, Map.of("primary", target));
                Instant t0 = Instant.now();
                cli(project, "up", "--yes", "--skip-preview", "--stack", stack).orThrow("switchover to " + target);
                ups.add(seconds(t0, Instant.now()));
                writer.awaitProgress(100, Duration.ofSeconds(60));
                gaps.add(writer.longestGap(t0, Instant.now()).toMillis() / 1000.0);
                System.out.printf("bench: patroni switchover to %s: pulumi up %.1f s, write gap %.2f s%n", target, last(ups),
                        last(gaps));
            }
            writer.close();
            String leader = patroniLeader(prefix, null, Duration.ofSeconds(60));
            var ids = writer.acknowledged();
            String present = docker("exec", "-u", "postgres", leader, "psql", "-X", "-q", "-At", "-d", "postgres", "-c",
                    "SELECT count(*) FROM public.ack WHERE id = ANY ('{" + String.join(",", ids.stream().map(String::valueOf)
                            .toList()) + "}'::bigint[])").orThrow("count acknowledged").stdout().strip();
            lost = ids.size() - Integer.parseInt(present);
        }
        report.add(section, "write outage after `docker kill -s KILL` of the leader (no pulumi command)", "s", outages);
        report.add(section, "planned switchover through `primary`: write gap", "s", gaps);
        report.add(section, "planned switchover through `primary`: whole `pulumi up`", "s", ups);
        report.add(section, "acknowledged writes lost over every failover and switchover", "", List.of((double) lost));
        cli(project, "destroy", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi destroy " + stack);
    }

    /** The member container that accepts writes, other than {@code not}, waited for. */
    private static String patroniLeader(String prefix, String not, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            for (String node : List.of("pg0", "pg1", "pg2")) {
                String container = prefix + "-" + node;
                if (container.equals(not)) {
                    continue;
                }
                var r = docker("exec", "-u", "postgres", container, "psql", "-X", "-q", "-At", "-d", "postgres", "-c",
                        "SELECT pg_is_in_recovery()");
                if (r.ok() && r.stdout().strip().equals("f")) {
                    return container;
                }
            }
            sleepQuietly(Duration.ofMillis(200));
        }
        throw new IllegalStateException("no leader" + (not == null ? "" : " other than " + not) + " after " + timeout);
    }

    private static void awaitStreamingStandbys(String leader, int standbys, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            var r = docker("exec", "-u", "postgres", leader, "psql", "-X", "-q", "-At", "-d", "postgres", "-c",
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'");
            if (r.ok() && r.stdout().strip().equals(String.valueOf(standbys))) {
                return;
            }
            sleepQuietly(Duration.ofMillis(200));
        }
        throw new IllegalStateException(leader + " has not " + standbys + " streaming standbys after " + timeout);
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- bring-up

    private void bringUp(int n) throws Exception {
        String stack = "bench-r" + n;
        initStack(stack, n);
        // A first preview compiles the program and records the classes it loads, a second dumps them
        // into the launcher's class-data archive (tools/launch/mvn): every measured run then starts
        // its JVM as a user's third and later commands do (the second dumps), none pays the build or the dump.
        cli(project, "preview", "--stack", stack).orThrow("pulumi preview " + stack);
        cli(project, "preview", "--stack", stack).orThrow("pulumi preview " + stack);
        var ours = new ArrayList<Double>();
        var oursDocker = new ArrayList<Double>();
        var oursToStreaming = new ArrayList<Double>();
        var oursDestroy = new ArrayList<Double>();
        var compose = new ArrayList<Double>();
        var composeDocker = new ArrayList<Double>();
        var composeDown = new ArrayList<Double>();
        var minimal = new ArrayList<Double>();
        var minimalDocker = new ArrayList<Double>();
        var leftovers = new ArrayList<Double>();
        for (int run = 1; run <= runs; run++) {
            // Ours: the whole `pulumi up` of the CLI, the time to all replicas streaming, and the Docker side.
            String prefix = "pg-cluster-" + stack;
            Instant t0 = Instant.now();
            Instant reached;
            try (var watch = new StreamingWatch(stackPorts.get(stack).subList(1, n + 1), MONITORING_USER)) {
                cli(project, "up", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi up " + stack);
                ours.add(seconds(t0, Instant.now()));
                reached = watch.await(Duration.ofSeconds(60));
            }
            oursToStreaming.add(seconds(t0, reached));
            var ourEvents = events(t0);
            saveRaw("events " + stack + " run " + run + ".jsonl", ourEvents.stream().map(e -> e.raw()).reduce("", (a, b) -> a + b + "\n"));
            Instant first = BenchParsers.firstCreate(ourEvents, e -> e.name().startsWith(prefix)
                    || stack.equals(e.attribute("pg-cluster.stack"))).orElseThrow();
            oursDocker.add(seconds(first, reached));
            Instant d0 = Instant.now();
            cli(project, "destroy", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi destroy " + stack);
            oursDestroy.add(seconds(d0, Instant.now()));
            leftovers.add((double) leftovers("label=pg-cluster.stack=" + stack));

            // The docker-compose baseline.
            var services = new ArrayList<>(List.of("docker-compose", "-p", COMPOSE_PROJECT, "-f", "docker-compose.yml", "up", "-d",
                    "primary"));
            for (int i = 1; i <= n; i++) {
                services.add("standby" + i);
            }
            t0 = Instant.now();
            try (var watch = new StreamingWatch(baselinePorts.subList(1, n + 1), "postgres")) {
                sh(services, baselineEnv(), Path.of("bench", "compose")).orThrow("docker-compose up");
                reached = watch.await(Duration.ofSeconds(60));
            }
            compose.add(seconds(t0, reached));
            first = BenchParsers.firstCreate(events(t0), e -> e.name().startsWith(COMPOSE_PROJECT)).orElseThrow();
            composeDocker.add(seconds(first, reached));
            d0 = Instant.now();
            composeDown();
            composeDown.add(seconds(d0, Instant.now()));

            // The minimal hand-run sequence.
            t0 = Instant.now();
            try (var watch = new StreamingWatch(baselinePorts.subList(1, n + 1), "postgres")) {
                sh(List.of("bash", "bench/minimal.sh", "up", String.valueOf(n)), baselineEnv(), Path.of(".")).orThrow("minimal.sh up");
                reached = watch.await(Duration.ofSeconds(60));
            }
            minimal.add(seconds(t0, reached));
            first = BenchParsers.firstCreate(events(t0), e -> e.name().startsWith(MINIMAL_NAME)).orElseThrow();
            minimalDocker.add(seconds(first, reached));
            minimalDown();
            System.out.printf("bench: bring-up, %d replica(s), run %d: pulumi up %.1f s (streaming after %.1f s, Docker side %.1f s), "
                            + "compose %.1f s (Docker side %.1f s), minimal %.1f s%n", n, run, last(ours), last(oursToStreaming),
                    last(oursDocker), last(compose), last(composeDocker), last(minimal));
        }
        String section = "Bring-up, " + n + " replica" + (n == 1 ? "" : "s");
        report.add(section, "pg-cluster: whole `pulumi up --skip-preview` (CLI, JVM, engine)", "s", ours);
        report.add(section, "pg-cluster: program start → all replicas streaming", "s", oursToStreaming);
        report.add(section, "pg-cluster: Docker side (first object created → all streaming)", "s", oursDocker);
        report.add(section, "docker-compose: `up -d` → all streaming", "s", compose);
        report.add(section, "docker-compose: Docker side (first object created → all streaming)", "s", composeDocker);
        report.add(section, "minimal hand-run sequence → all streaming", "s", minimal);
        report.add(section, "minimal hand-run sequence: Docker side", "s", minimalDocker);
        report.add(section, "pg-cluster: `pulumi destroy`", "s", oursDestroy);
        report.add(section, "docker-compose: `down -v`", "s", composeDown);
        report.add(section, "pg-cluster: objects left after destroy", "", leftovers);
    }

    // ----------------------------------------------------------- program start

    /** The rows of the program-start section, for {@link #compare()}. */
    private static final String START = "Program start: dev stack (1 replica, running) and the floor (bench/floor)";

    /**
     * What every pull request's {@code pulumi preview} and a {@code pulumi up} that changes nothing
     * cost on the running dev stack, side by side with the floor: bench/floor, a Pulumi Java program
     * with no resources, run the same way (the same JVM options and tools/launch/mvn). Both also
     * through Maven as a plain Maven project runs ({@code PG_CLUSTER_LAUNCH=maven}). Each program is
     * built once before (a user's first run builds it).
     */
    private void programStart() throws Exception {
        String stack = "bench-start";
        initStack(stack, 1);
        cli(project, "up", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi up " + stack);
        Path floor = ROOT.resolve("floor");
        for (String file : List.of("Pulumi.yaml", "pom.xml", "src/main/java/floor/App.java")) {
            copy(Path.of("bench", "floor", file), floor.resolve(file));
        }
        for (String file : List.of(".mvn/jvm.config", "tools/launch/mvn")) {
            copy(Path.of(file), floor.resolve(file));
        }
        if (!cli(floor, "stack", "select", "bench-floor").ok()) {
            cli(floor, "stack", "init", "bench-floor").orThrow("pulumi stack init bench-floor");
        }
        cli(floor, "up", "--yes", "--skip-preview", "--stack", "bench-floor").orThrow("pulumi up of the floor");
        cli(project, "preview", "--stack", stack).orThrow("pulumi preview " + stack);
        // Through the launcher, Maven must not run at all, to build or otherwise: a mvn first on PATH
        // that writes down every call (the launcher takes it for Maven) and passes it on; nothing
        // inherited that sends the launcher to Maven.
        Path guard = ROOT.resolve("mvn-guard");
        Path guardLog = guard.resolve("calls");
        String realMvn = sh(List.of("sh", "-c", "command -v mvn"), Map.of(), Path.of(".")).orThrow("command -v mvn").stdout().strip();
        Files.createDirectories(guard);
        Files.writeString(guard.resolve("mvn"), "#!/bin/sh\necho \"$PWD $*\" >> '" + guardLog + "'\nexec '" + realMvn + "' \"$@\"\n");
        guard.resolve("mvn").toFile().setExecutable(true);
        Files.deleteIfExists(guardLog);
        Map<String, String> throughLauncher = Map.of("PATH", guard + ":" + System.getenv("PATH"), "PG_CLUSTER_LAUNCH", "",
                "MAVEN_ARGS", "");
        var samples = new LinkedHashMap<String, List<Double>>();
        int n = Math.max(runs, 5);
        for (int run = 1; run <= n; run++) {
            // The order alternates from run to run: neither way always runs on a warmer machine.
            for (String launch : run % 2 == 1 ? List.of("launch", "maven") : List.of("maven", "launch")) {
                Map<String, String> env = launch.equals("maven") ? Map.of("PG_CLUSTER_LAUNCH", "maven") : throughLauncher;
                String how = launch.equals("maven") ? ", through Maven" : "";
                for (var program : List.of(Map.entry("pg-cluster", project), Map.entry("floor", floor))) {
                    String s = program.getKey().equals("floor") ? "bench-floor" : stack;
                    Instant t0 = Instant.now();
                    cli(program.getValue(), env, "preview", "--expect-no-changes", "--stack", s).orThrow("pulumi preview " + s);
                    samples.computeIfAbsent(program.getKey() + ": `pulumi preview`" + how, k -> new ArrayList<>())
                            .add(seconds(t0, Instant.now()));
                    t0 = Instant.now();
                    cli(program.getValue(), env, "up", "--yes", "--expect-no-changes", "--stack", s).orThrow("pulumi up " + s);
                    samples.computeIfAbsent(program.getKey() + ": `pulumi up --yes`, no changes" + how, k -> new ArrayList<>())
                            .add(seconds(t0, Instant.now()));
                    if (!launch.equals("maven") && Files.exists(guardLog) && Files.size(guardLog) > 0) {
                        throw new IllegalStateException("tools/launch/mvn ran Maven during a measured run of " + program.getKey()
                                + ": " + Files.readString(guardLog) + "the rows through the launcher would include Maven");
                    }
                }
            }
            System.out.printf("bench: program start, run %d: %s%n", run, samples.entrySet().stream()
                    .map(e -> e.getKey() + " " + String.format("%.2f", last(e.getValue()))).reduce((a, b) -> a + "; " + b).orElse(""));
        }
        samples.forEach((name, values) -> report.add(START, name, "s", values));
        cli(project, "destroy", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi destroy " + stack);
        cli(floor, "destroy", "--yes", "--skip-preview", "--stack", "bench-floor").orThrow("pulumi destroy of the floor");
    }

    // ------------------------------------------------------------- backups

    /**
     * Backups with pgBackRest (README: Backups and recovery) at pgbench scale {@link #scale}, side
     * by side in one run: a full backup by hand (the documented command: from the standby, zstd,
     * encrypted) against a raw copy of the same volume; the restore of a new stack's primary from
     * the repository (its seed step: restore and recovery) against the base backup of a new
     * standby (its seed step: pg_basebackup); and the RPO of the archive alone with
     * {@code archive_timeout} as shipped: under a steady writer every node is lost at once (paused),
     * then a stack restored to the end of the archive shows which acknowledged writes it lacks.
     */
    private void backups() throws Exception {
        String stack = "bench-backup";
        String prefix = "pg-cluster-" + stack;
        String repository = prefix + "-backup";
        initStack(stack, 1);
        // The repository goes with the stack: nothing of the bench outlives it.
        setConfig(stack, Map.of("backup", "true", "backupRetainRepository", "false"));
        cli(project, "up", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi up " + stack);
        long dataBytes = pgbenchLoad(prefix + "-pg0", "/var/lib/postgresql/data/pgdata");
        var full = new ArrayList<Double>();
        var fullSeconds = new ArrayList<Double>();
        var copy = new ArrayList<Double>();
        var stored = new ArrayList<Double>();
        for (int run = 1; run <= runs; run++) {
            // The schedule's first full backup may still run (it starts within a minute of the new
            // stanza, beside pgbench -i): wait for its lock, then time ours alone.
            Instant t0;
            Instant deadline = Instant.now().plus(LIMIT);
            while (true) {
                t0 = Instant.now();
                var backup = docker("exec", repository, "pgbackrest", "--config-path=/var/lib/pgbackrest-conf",
                        "--stanza=" + prefix, "backup", "--type=full");
                if (backup.ok()) {
                    break;
                }
                if (!(backup.stdout() + backup.stderr()).contains("[050]") || Instant.now().isAfter(deadline)) {
                    backup.orThrow("pgbackrest backup --type=full");
                }
                sleepQuietly(Duration.ofSeconds(5));
            }
            fullSeconds.add(seconds(t0, Instant.now()));
            full.add(dataBytes / 1e6 / last(fullSeconds));
            var info = JsonParser.parseString(docker("exec", repository, "pgbackrest", "--config-path=/var/lib/pgbackrest-conf",
                    "--stanza=" + prefix, "info", "--output=json").orThrow("pgbackrest info").stdout()).getAsJsonArray()
                    .get(0).getAsJsonObject().getAsJsonArray("backup");
            var latest = info.get(info.size() - 1).getAsJsonObject().getAsJsonObject("info").getAsJsonObject("repository");
            stored.add(latest.get("delta").getAsDouble() / 1e6);
            copy.add(dataBytes / 1e6 / rawCopySeconds(prefix + "-pg1-data", "pgdata"));
            System.out.printf("bench: full backup %.1f s = %.0f MB/s (%.0f MB in the repository), raw copy %.0f MB/s (%d MB)%n",
                    last(fullSeconds), last(full), last(stored), last(copy), dataBytes >> 20);
        }

        // A new stack's primary restored from the repository against a new standby's base backup,
        // each its node's seed step (one-off container start → exit).
        var restore = new ArrayList<Double>();
        var restoreUp = new ArrayList<Double>();
        var baseBackup = new ArrayList<Double>();
        var baseBackupUp = new ArrayList<Double>();
        String restored = "bench-restored";
        String volumeUrn = urn(stack, "docker:index/volume:Volume", prefix + "-pg1-data");
        for (int run = 1; run <= runs; run++) {
            initStack(restored, 0);
            setConfig(restored, Map.of("restoreFrom", prefix));
            Instant t0 = Instant.now();
            cli(project, "up", "--yes", "--skip-preview", "--stack", restored).orThrow("pulumi up " + restored);
            restoreUp.add(seconds(t0, Instant.now()));
            restore.add(seedSeconds(t0, "pg-cluster-" + restored + "-pg0-seed"));
            cli(project, "destroy", "--yes", "--skip-preview", "--stack", restored).orThrow("pulumi destroy " + restored);
            t0 = Instant.now();
            cli(project, "up", "--yes", "--skip-preview", "--stack", stack, "--replace", volumeUrn).orThrow("pulumi up --replace");
            baseBackupUp.add(seconds(t0, Instant.now()));
            baseBackup.add(seedSeconds(t0, prefix + "-pg1-seed"));
            System.out.printf("bench: restore from the repository %.1f s (pulumi up %.1f s), base backup of a new standby "
                    + "%.1f s (pulumi up %.1f s)%n", last(restore), last(restoreUp), last(baseBackup), last(baseBackupUp));
        }

        // RPO of the archive alone, archive_timeout as shipped. Every node is lost at a moment: both
        // are paused (a kill would have Docker restart them, and they would archive what waits).
        var lostSeconds = new ArrayList<Double>();
        var lostRows = new ArrayList<Double>();
        var random = new java.util.Random();
        for (int run = 1; run <= runs; run++) {
            long present;
            double lastAt;
            Instant lost;
            List<Long> acknowledged;
            double started = Instant.now().toEpochMilli() / 1000.0;
            try (var writer = new SteadyWriter(outputs(stack).get("primaryJdbcUrl").getAsString())) {
                writer.awaitProgress(100, Duration.ofSeconds(60));
                // Somewhere in the archive_timeout cycle: a moment within a minute and a half.
                sleepQuietly(Duration.ofMillis(20_000 + random.nextInt(90_000)));
                docker("pause", prefix + "-pg0", prefix + "-pg1").orThrow("docker pause");
                lost = Instant.now();
                acknowledged = writer.acknowledged();
                try {
                    initStack(restored, 0);
                    setConfig(restored, Map.of("restoreFrom", prefix));
                    cli(project, "up", "--yes", "--skip-preview", "--stack", restored).orThrow("pulumi up " + restored);
                    String node = "pg-cluster-" + restored + "-pg0";
                    // No table at all: not even the writer's first commit reached the archive.
                    boolean table = !psqlIn(node, "SELECT to_regclass('public.ack') IS NULL").equals("t");
                    String rows = table ? psqlIn(node, "SELECT extract(epoch FROM max(written_at)) || ' ' || count(*) FROM public.ack")
                            : started + " 0";
                    lastAt = Double.parseDouble(rows.split(" ")[0]);
                    present = Long.parseLong(rows.split(" ")[1]);
                    cli(project, "destroy", "--yes", "--skip-preview", "--stack", restored).orThrow("pulumi destroy " + restored);
                } finally {
                    docker("unpause", prefix + "-pg0", prefix + "-pg1");
                }
            }
            lostSeconds.add(Math.max(0, lost.toEpochMilli() / 1000.0 - lastAt));
            lostRows.add((double) (acknowledged.size() - present));
            System.out.printf("bench: RPO run %d: %d of %d acknowledged rows restored, the newest written %.1f s before the loss%n",
                    run, present, acknowledged.size(), last(lostSeconds));
            // The next run starts on an archive that has everything until now, the drop included.
            psqlIn(prefix + "-pg0", "DROP TABLE public.ack");
            String segment = psqlIn(prefix + "-pg0", "SELECT pg_walfile_name(pg_switch_wal())");
            Instant archived = Instant.now().plus(Duration.ofSeconds(120));
            while (!psqlIn(prefix + "-pg0", "SELECT last_archived_wal >= '" + segment + "' FROM pg_stat_archiver").equals("t")) {
                if (Instant.now().isAfter(archived)) {
                    throw new IllegalStateException(segment + " was not archived within 120 s");
                }
                sleepQuietly(Duration.ofMillis(500));
            }
        }
        cli(project, "destroy", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi destroy " + stack);

        String section = "Backups (pgBackRest 2.55, pgbench scale " + scale + ", " + (dataBytes >> 20) + " MB)";
        report.add(section, "full backup by hand (from the standby, zstd level 3, encrypted): throughput", "MB/s", full);
        report.add(section, "full backup by hand: time", "s", fullSeconds);
        report.add(section, "full backup: size in the repository", "MB", stored);
        report.add(section, "raw copy of the standby's data directory (cp -a, sync)", "MB/s", copy);
        report.add(section, "restore of a new stack's primary from the repository (seed step: restore, recovery)", "s", restore);
        report.add(section, "restore: whole `pulumi up` of the 1-node stack", "s", restoreUp);
        report.add(section, "base backup of a new standby (seed step: pg_basebackup)", "s", baseBackup);
        report.add(section, "base backup: whole `pulumi up` replacing the standby's volume", "s", baseBackupUp);
        report.add(section, "RPO of the archive alone (archive_timeout 60 s as shipped; every node lost): the newest write "
                + "restored, seconds before every node was lost", "s", lostSeconds);
        report.add(section, "RPO: acknowledged rows missing from the restore", "", lostRows);
    }

    /** pgbench's tables at {@link #scale} on the primary (its socket); the size of {@code dataPath} after. */
    private long pgbenchLoad(String primary, String dataPath) {
        Instant i0 = Instant.now();
        docker("exec", "-u", "postgres", primary, "pgbench", "-i", "-q", "-s", String.valueOf(scale), "postgres")
                .orThrow("pgbench -i");
        System.out.printf("bench: pgbench -i -s %d took %.0f s%n", scale, seconds(i0, Instant.now()));
        return Long.parseLong(docker("exec", primary, "du", "-sb", dataPath).orThrow("du").stdout().split("\\s+")[0]);
    }

    /** Seconds a raw copy of {@code dir} of {@code volume} to a new volume on the same disk takes ({@code cp -a}, sync). */
    private double rawCopySeconds(String volume, String dir) {
        String out = docker("run", "--rm", "--label", "pg-cluster-bench=copy", "-v", volume + ":/src:ro",
                "-v", "pgcbench-copy:/dst", "--entrypoint", "sh", image, "-c",
                "s=$(date +%s%N); cp -a /src/" + dir + "/. /dst/ && sync; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))")
                .orThrow("raw copy").stdout().strip();
        docker("volume", "rm", "pgcbench-copy").orThrow("volume rm");
        return Long.parseLong(out) / 1000.0;
    }

    /** One value from psql as postgres over the node's socket. */
    private static String psqlIn(String container, String sql) {
        return docker("exec", "-u", "postgres", container, "psql", "-X", "-q", "-At", "-d", "postgres", "-c", sql)
                .orThrow(sql).stdout().strip();
    }

    /** How long a one-off seed container ran (start → exit), from Docker's events since {@code since}. */
    private static double seedSeconds(Instant since, String container) {
        var seed = events(since).stream().filter(e -> e.type().equals("container") && e.name().equals(container)).toList();
        Instant start = seed.stream().filter(e -> e.action().equals("start")).map(BenchParsers.DockerEvent::at).findFirst()
                .orElseThrow(() -> new IllegalStateException("no start of " + container));
        Instant end = seed.stream().filter(e -> e.action().equals("die")).map(BenchParsers.DockerEvent::at)
                .reduce((a, b) -> b).orElseThrow(() -> new IllegalStateException("no exit of " + container));
        return seconds(start, end);
    }

    // ------------------------------------------------- base backup, lag and TPS

    private void baseBackupLagAndTps() throws Exception {
        String stack = "bench-load";
        String prefix = "pg-cluster-" + stack;
        initStack(stack, 1);
        cli(project, "up", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi up " + stack);
        long dataBytes = pgbenchLoad(prefix + "-pg0", "/var/lib/postgresql/data");

        // Base backup through the slot step (a re-seed of pg1) against a raw copy of pg0's volume.
        String volumeUrn = urn(stack, "docker:index/volume:Volume", prefix + "-pg1-data");
        var backup = new ArrayList<Double>();
        var copy = new ArrayList<Double>();
        for (int run = 1; run <= runs; run++) {
            Instant t0 = Instant.now();
            cli(project, "up", "--yes", "--skip-preview", "--stack", stack, "--replace", volumeUrn).orThrow("pulumi up --replace");
            backup.add(dataBytes / 1e6 / seedSeconds(t0, prefix + "-pg1-seed"));
            copy.add(dataBytes / 1e6 / rawCopySeconds(prefix + "-pg0-data", "."));
            System.out.printf("bench: base backup %.0f MB/s, raw copy %.0f MB/s (%d MB)%n", last(backup), last(copy), dataBytes >> 20);
        }
        String section = "Base backup (pgbench scale " + scale + ", " + (dataBytes >> 20) + " MB)";
        report.add(section, "seed step's base backup (one-off container start → exit)", "MB/s", backup);
        report.add(section, "raw copy of the primary's volume (cp -a, sync)", "MB/s", copy);

        // Lag and TPS under pgbench: asynchronous with TLS (pgbench on the socket, then over TCP with
        // TLS), the same with TLS off, then `any 1` with on and with remote_apply.
        load(stack, "asynchronous", false);
        load(stack, "asynchronous, clients over TCP", true);
        setConfig(stack, Map.of("tls", "false"));
        cli(project, "up", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi up (tls off)");
        load(stack, "asynchronous, TLS off", false);
        load(stack, "asynchronous, TLS off, clients over TCP", true);
        setConfig(stack, Map.of("tls", "true"));
        cli(project, "up", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi up (tls on)");
        setConfig(stack, Map.of("synchronous", "any 1"));
        cli(project, "up", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi up (any 1)");
        load(stack, "any 1, synchronous_commit=on", false);
        setConfig(stack, Map.of("synchronousCommit", "remote_apply"));
        cli(project, "up", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi up (remote_apply)");
        load(stack, "any 1, synchronous_commit=remote_apply", false);
        cli(project, "destroy", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi destroy " + stack);
    }

    /**
     * pgbench on the primary for {@code pgbenchSeconds}, on its Unix socket, or with {@code overTcp}
     * over TCP as a network client (TLS when the cluster has it, as every network login then must).
     */
    private void load(String stack, String mode, boolean overTcp) throws Exception {
        String primary = "pg-cluster-" + stack + "-pg0";
        try (var ignored = new StreamingWatch(stackPorts.get(stack).subList(1, 2), MONITORING_USER)) {
            ignored.await(Duration.ofSeconds(60));
        }
        var lagMs = new ArrayList<Double>();
        var behind = new ArrayList<Double>();
        var sampler = new Thread(() -> {
            try (Connection c = connect(portOf(stack, 0), MONITORING_USER)) {
                while (!Thread.currentThread().isInterrupted()) {
                    try (ResultSet rs = c.createStatement().executeQuery("SELECT coalesce(extract(epoch FROM replay_lag) * 1000, 0), "
                            + "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication WHERE application_name = 'pg1'")) {
                        if (rs.next()) {
                            lagMs.add(rs.getDouble(1));
                            behind.add(rs.getDouble(2));
                        }
                    }
                    Thread.sleep(100);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "lag-sampler");
        sampler.start();
        var command = new ArrayList<>(List.of("exec", "-u", "postgres"));
        if (overTcp) {
            command.addAll(List.of("-e", "PGPASSWORD=" + PASSWORD, "-e", "PGSSLMODE=prefer"));
        }
        if (overTcp) {
            // A network client is the application role (the superuser never logs in over the network).
            docker("exec", "-u", "postgres", primary, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c",
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + APP_USER).orThrow("grant");
        }
        command.addAll(List.of(primary, "pgbench", "-n", "-c", "4", "-j", "2", "-T", String.valueOf(pgbenchSeconds), "-P", "5"));
        if (overTcp) {
            command.addAll(List.of("-h", "127.0.0.1", "-U", APP_USER));
        }
        command.add("postgres");
        var out = docker(command.toArray(String[]::new)).orThrow("pgbench");
        sampler.interrupt();
        sampler.join();
        saveRaw("pgbench " + mode + ".txt", out.stdout());
        var tps = new ArrayList<Double>();
        Matcher m = Pattern.compile("^progress: [0-9.]+ s, ([0-9.]+) tps", Pattern.MULTILINE).matcher(out.stderr() + out.stdout());
        while (m.find()) {
            tps.add(Double.parseDouble(m.group(1)));
        }
        double total = BenchParsers.pgbenchTps(out.stdout());
        String section = "Load: pgbench -c 4 -j 2 -T " + pgbenchSeconds + ", " + mode;
        report.add(section, "TPS (per 5 s interval)", "tps", tps);
        report.add(section, "TPS (whole run)", "tps", List.of(total));
        report.add(section, "replay lag, p50 of 100 ms samples", "ms", List.of(BenchParsers.percentile(lagMs, 50)));
        report.add(section, "replay lag, p99", "ms", List.of(BenchParsers.percentile(lagMs, 99)));
        report.add(section, "replay lag, max", "ms", List.of(BenchParsers.percentile(lagMs, 100)));
        report.add(section, "bytes behind, p99", "kB", List.of(BenchParsers.percentile(behind, 99) / 1024));
        report.add(section, "bytes behind, max", "kB", List.of(BenchParsers.percentile(behind, 100) / 1024));
        System.out.printf("bench: %s: %.0f tps, replay lag p99 %.1f ms (%d samples)%n", mode, total,
                BenchParsers.percentile(lagMs, 99), lagMs.size());
    }

    // ------------------------------------------------------------- switchover

    private void switchoverGap() throws Exception {
        String stack = "bench-switch";
        initStack(stack, 2);
        cli(project, "up", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi up " + stack);
        String readOnly = outputs(stack).get("readOnlyJdbcUrl").getAsString();
        String anyPrimary = readOnly.replaceAll("targetServerType=[A-Za-z]+", "targetServerType=primary")
                .replace("loadBalanceHosts=true", "loadBalanceHosts=false");
        var gaps = new ArrayList<Double>();
        var ups = new ArrayList<Double>();
        try (var writer = new SteadyWriter(anyPrimary)) {
            writer.awaitProgress(100, Duration.ofSeconds(30));
            for (int i = 1; i <= switchovers; i++) {
                String target = i % 2 == 1 ? "pg1" : "pg0";
                setConfig(stack, Map.of("primary", target));
                Instant t0 = Instant.now();
                cli(project, "up", "--yes", "--skip-preview", "--stack", stack).orThrow("switchover to " + target);
                ups.add(seconds(t0, Instant.now()));
                writer.awaitProgress(100, Duration.ofSeconds(60));
                gaps.add(writer.longestGap(t0, Instant.now()).toMillis() / 1000.0);
                System.out.printf("bench: switchover to %s: pulumi up %.1f s, write gap %.2f s%n", target, last(ups), last(gaps));
            }
        }
        report.add("Switchover (2 replicas, steady writer)", "write gap: last acknowledged write on the old primary → first on the new",
                "s", gaps);
        report.add("Switchover (2 replicas, steady writer)", "whole `pulumi up` of the switchover", "s", ups);
        cli(project, "destroy", "--yes", "--skip-preview", "--stack", stack).orThrow("pulumi destroy " + stack);
    }

    // ------------------------------------------------------------ comparisons

    private void compare() {
        // Only what this run measured (bench/run.sh --only patroni measures no dev-stack bring-up).
        String dockerSide = "pg-cluster: Docker side (first object created → all streaming)";
        if (report.has("Bring-up, 1 replica", dockerSide)) {
            String s = "Bring-up, 1 replica";
            double docker = report.figure(s, "pg-cluster: Docker side (first object created → all streaming)").median()
                    / report.figure(s, "docker-compose: Docker side (first object created → all streaming)").median();
            report.atMost("dev stack bring-up, Docker side ÷ compose, Docker side", docker, 1.3, "medians, same run");
            double whole = report.figure(s, "pg-cluster: whole `pulumi up --skip-preview` (CLI, JVM, engine)").median()
                    / report.figure(s, "docker-compose: `up -d` → all streaming").median();
            report.atMost("dev stack: whole `pulumi up` ÷ compose `up -d` → streaming", whole, 2.0, "medians, same run");
            double minimal = report.figure(s, "pg-cluster: Docker side (first object created → all streaming)").median()
                    / report.figure(s, "minimal hand-run sequence: Docker side").median();
            report.reference("dev stack, Docker side ÷ minimal sequence, Docker side", minimal, "medians, same run");
        }
        if (report.has(START, "floor: `pulumi preview`")) {
            for (String what : List.of("`pulumi preview`", "`pulumi up --yes`, no changes")) {
                report.reference("dev stack ÷ floor: " + what, report.figure(START, "pg-cluster: " + what).median()
                        / report.figure(START, "floor: " + what).median(), "medians, same run, both through tools/launch/mvn");
                report.reference("dev stack ÷ floor: " + what + ", both through Maven", report.figure(START, "pg-cluster: " + what
                        + ", through Maven").median() / report.figure(START, "floor: " + what + ", through Maven").median(), "medians, same run");
                report.atMost("dev stack: " + what + " ÷ the floor through Maven (the JVM and Maven alone)",
                        report.figure(START, "pg-cluster: " + what).median()
                                / report.figure(START, "floor: " + what + ", through Maven").median(), 1.0, "medians, same run");
            }
        }
        for (int n : replicaCounts) {
            if (n == 1 || !report.has("Bring-up, 1 replica", dockerSide) || !report.has("Bring-up, " + n + " replicas", dockerSide)) {
                continue;
            }
            double one = report.figure("Bring-up, 1 replica", dockerSide).median();
            double this_ = report.figure("Bring-up, " + n + " replicas", dockerSide).median();
            report.atMost("each replica beyond the first adds (÷ 1-replica bring-up), " + n + " replicas", (this_ - one) / (n - 1) / one, 0.2,
                    "Docker side, medians");
        }
        String b = report.figures().stream().map(BenchReport.Figure::section).filter(x -> x.startsWith("Base backup")).findFirst().orElse(null);
        if (b != null) {
            report.atLeast("base backup ÷ raw copy throughput", report.figure(b, "seed step's base backup (one-off container start → exit)").median()
                    / report.figure(b, "raw copy of the primary's volume (cp -a, sync)").median(), 0.7, "MB/s medians");
        }
        String async = "Load: pgbench -c 4 -j 2 -T " + pgbenchSeconds + ", asynchronous";
        String plain = async + ", TLS off";
        if (report.has(plain, "replay lag, p99")) {
            report.reference("TLS on ÷ off: async TPS, pgbench on the socket (only the WAL stream encrypted)",
                    report.figure(async, "TPS (whole run)").median() / report.figure(plain, "TPS (whole run)").median(), "whole-run TPS");
            report.reference("TLS on ÷ off: async TPS, pgbench over TCP (clients and WAL stream encrypted)",
                    report.figure(async + ", clients over TCP", "TPS (whole run)").median()
                            / report.figure(plain + ", clients over TCP", "TPS (whole run)").median(), "whole-run TPS");
            report.reference("TLS on − off: async replay lag p99 (ms), pgbench on the socket",
                    report.figure(async, "replay lag, p99").median() - report.figure(plain, "replay lag, p99").median(),
                    "pg_stat_replication.replay_lag every 100 ms");
        }
        String on = "Load: pgbench -c 4 -j 2 -T " + pgbenchSeconds + ", any 1, synchronous_commit=on";
        String apply = "Load: pgbench -c 4 -j 2 -T " + pgbenchSeconds + ", any 1, synchronous_commit=remote_apply";
        if (report.has(async, "replay lag, p99")) {
            report.atMost("async replay lag p99 (ms)", report.figure(async, "replay lag, p99").median(), 100, "pg_stat_replication.replay_lag every 100 ms");
            report.atLeast("any 1 (on) TPS ÷ async TPS", report.figure(on, "TPS (whole run)").median()
                    / report.figure(async, "TPS (whole run)").median(), 0.8, "whole-run TPS");
            report.reference("any 1 (remote_apply) TPS ÷ async TPS", report.figure(apply, "TPS (whole run)").median()
                    / report.figure(async, "TPS (whole run)").median(), "whole-run TPS");
        }
        String sw = "Switchover (2 replicas, steady writer)";
        if (report.has(sw, "write gap: last acknowledged write on the old primary → first on the new")) {
            report.atMost("planned switchover write gap, median (s)",
                    report.figure(sw, "write gap: last acknowledged write on the old primary → first on the new").median(), 5, switchovers + " switchovers");
        }
        String ha = "ha: patroni (2 replicas, any 1, 3 etcd members)";
        if (report.has(ha, "write outage after `docker kill -s KILL` of the leader (no pulumi command)")) {
            report.atMost("ha: patroni, SIGKILL of the leader → first acknowledged write on the new leader, median (s)",
                    report.figure(ha, "write outage after `docker kill -s KILL` of the leader (no pulumi command)").median(), 20,
                    kills + " kills, ttl 20 / loop_wait 5 / retry_timeout 7");
            report.atMost("ha: patroni, planned switchover write gap, median (s)",
                    report.figure(ha, "planned switchover through `primary`: write gap").median(), 3, switchovers + " switchovers");
            report.reference("ha: patroni ÷ ha: none, whole `pulumi up`",
                    report.figure(ha, "whole `pulumi up`, ha: patroni").median()
                            / report.figure(ha, "whole `pulumi up`, ha: none (the same nodes)").median(), "medians, same run");
            report.atMost("ha: patroni, acknowledged writes lost", report.figure(ha,
                    "acknowledged writes lost over every failover and switchover").max(), 0, "all failovers and switchovers");
        }
        String hosts = "Several Docker hosts (tools/docker-lab: 3 engines, TLS; 2 replicas)";
        if (report.has(hosts, "async replay lag p99 under pgbench, one node per host")) {
            report.reference("several hosts ÷ one host: async replay lag p99 under pgbench",
                    report.figure(hosts, "async replay lag p99 under pgbench, one node per host").median()
                            / report.figure(hosts, "async replay lag p99 under pgbench, all nodes on h1").median(),
                    "same lab, same run");
            report.reference("several hosts ÷ one host: whole `pulumi up`",
                    report.figure(hosts, "whole `pulumi up`, one node per host").median()
                            / report.figure(hosts, "whole `pulumi up`, all nodes on h1").median(), "same lab, same run");
        }
        if (report.has(hosts, "ha: patroni, leader's host cut off → first acknowledged write on the new leader")) {
            report.reference("ha: patroni across hosts, leader's host cut off → first write, median (s)",
                    report.figure(hosts, "ha: patroni, leader's host cut off → first acknowledged write on the new leader")
                            .median(), "each cut: host plugged back in, member streaming again");
            report.atMost("ha: patroni across hosts, acknowledged writes lost", report.figure(hosts,
                    "ha: patroni, acknowledged writes lost over every host cut").max(), 0, "every host cut");
        }
        double left = report.figures().stream().filter(f -> f.name().equals("pg-cluster: objects left after destroy"))
                .mapToDouble(BenchReport.Figure::max).max().orElse(0);
        report.atMost("objects left after `pulumi destroy` (max over runs)", left, 0, "containers, volumes, networks with the stack's label");
    }

    // -------------------------------------------------------------- plumbing

    private void write() throws IOException {
        Files.createDirectories(ROOT);
        Files.writeString(ROOT.resolve("bench.json"), report.toJson());
        String markdown = report.toMarkdown();
        Files.writeString(ROOT.resolve("bench.md"), markdown);
        System.out.println();
        System.out.println(markdown);
        System.out.println("bench: wrote " + ROOT.resolve("bench.json") + " and " + ROOT.resolve("bench.md"));
    }

    /** Keeps what a tool printed under target/bench/raw/, for a look afterwards and as test samples. */
    private static void saveRaw(String name, String content) {
        try {
            Files.createDirectories(ROOT.resolve("raw"));
            Files.writeString(ROOT.resolve("raw").resolve(name.replaceAll("[^A-Za-z0-9._-]+", "-")), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, String> machine() {
        var m = new LinkedHashMap<String, String>();
        m.put("date", LocalDate.now().toString());
        m.put("machine", Runtime.getRuntime().availableProcessors() + " CPUs, "
                + firstLine(sh(List.of("sh", "-c", "free -g | awk '/Mem:/ {print $2 \" GiB\"}'"), Map.of(), Path.of(".")).stdout()));
        m.put("kernel", firstLine(sh(List.of("uname", "-r"), Map.of(), Path.of(".")).stdout()));
        m.put("docker", firstLine(docker("version", "--format", "{{.Server.Version}}").stdout()));
        m.put("docker-compose", firstLine(sh(List.of("docker-compose", "version", "--short"), Map.of(), Path.of(".")).stdout()));
        m.put("pulumi", firstLine(sh(List.of("pulumi", "version"), Map.of(), Path.of(".")).stdout()));
        m.put("java", System.getProperty("java.version"));
        m.put("image", image + " (" + firstLine(docker("image", "inspect", "--format", "{{.Id}}", image).stdout()).substring(0, 19) + ")");
        m.put("postgres", firstLine(docker("run", "--rm", "--entrypoint", "postgres", image, "--version").stdout()));
        m.put("settings", "runs " + runs + ", replicas " + replicaCounts + ", pgbench scale " + scale + ", pgbench -T " + pgbenchSeconds
                + ", switchovers " + switchovers);
        return m;
    }

    private void prepareProject() throws IOException {
        Files.createDirectories(ROOT.resolve("home"));
        // A copy of the project as it is now: nothing left from an earlier run's copy.
        for (String dir : List.of("src/main", "init", "monitoring")) {
            deleteTree(project.resolve(dir));
        }
        for (String file : List.of("Pulumi.yaml", "pom.xml", ".mvn/jvm.config", "tools/launch/mvn")) {
            copy(Path.of(file), project.resolve(file));
        }
        for (String dir : List.of("src/main", "init", "monitoring")) {
            try (var files = Files.walk(Path.of(dir))) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    copy(file, project.resolve(file.toString()));
                }
            }
        }
        cliEnv.put("HOME", ROOT.resolve("home").toString());
        cliEnv.put("PULUMI_HOME", ROOT.resolve("home").resolve(".pulumi").toString());
        cliEnv.put("PULUMI_BACKEND_URL", ROOT.resolve("state").toUri().toString());
        cliEnv.put("PULUMI_CONFIG_PASSPHRASE", "pg-cluster-bench");
        cliEnv.put("PULUMI_SKIP_UPDATE_CHECK", "true");
        cliEnv.put("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true");
        String repo = System.getProperty("maven.repo.local", Path.of(System.getProperty("user.home"), ".m2", "repository").toString());
        cliEnv.put("MAVEN_OPTS", "-Dmaven.repo.local=" + repo);
        Files.createDirectories(ROOT.resolve("state"));
    }

    private final Map<String, List<Integer>> stackPorts = new LinkedHashMap<>();

    private void initStack(String stack, int replicas) {
        if (cli(project, "stack", "select", stack).ok()) {
            cli(project, "destroy", "--yes", "--skip-preview", "--stack", stack);
        } else {
            cli(project, "stack", "init", stack).orThrow("pulumi stack init " + stack);
        }
        List<Integer> ports = freePorts(replicas + 1);
        stackPorts.put(stack, ports);
        var values = new LinkedHashMap<String, String>();
        values.put("replicas", String.valueOf(replicas));
        values.put("image", image);
        values.put("pullImage", "false");
        values.put("subnet", "10.209." + (++subnet) + ".0/24");
        values.put("primaryPort", String.valueOf(ports.get(0)));
        values.put("replicaPorts", ports.subList(1, ports.size()).toString());
        setConfig(stack, values);
        cli(project, "config", "set", "--secret", "--stack", stack, "pg-cluster:superuserPassword", PASSWORD).orThrow("config set");
        // The superuser never logs in over the network: the watches and samplers are the monitoring role (pg_monitor).
        cli(project, "config", "set", "--secret", "--stack", stack, "pg-cluster:monitoringPassword", PASSWORD).orThrow("config set");
        cli(project, "config", "set", "--secret", "--stack", stack, "pg-cluster:appPassword", PASSWORD).orThrow("config set");
    }

    private void setConfig(String stack, Map<String, String> values) {
        values.forEach((k, v) -> cli(project, "config", "set", "--stack", stack, "pg-cluster:" + k, v).orThrow("config set " + k));
    }

    private int portOf(String stack, int node) {
        return stackPorts.get(stack).get(node);
    }

    /** The stack's outputs; its CA joins the tests' trust, as a user saves it to check the nodes. */
    private JsonObject outputs(String stack) {
        JsonObject outputs = JsonParser.parseString(cli(project, "stack", "output", "--json", "--show-secrets", "--stack", stack)
                .orThrow("stack output").stdout()).getAsJsonObject();
        if (outputs.has("caCertificate")) {
            TestTrust.add(outputs.get("caCertificate").getAsString());
        }
        return outputs;
    }

    private String urn(String stack, String type, String name) {
        var state = JsonParser.parseString(cli(project, "stack", "export", "--stack", stack).orThrow("stack export").stdout())
                .getAsJsonObject().getAsJsonObject("deployment").getAsJsonArray("resources");
        for (var r : state) {
            String urn = r.getAsJsonObject().get("urn").getAsString();
            if (r.getAsJsonObject().get("type").getAsString().equals(type) && urn.endsWith("::" + name)) {
                return urn;
            }
        }
        throw new IllegalStateException("no " + type + " " + name + " in stack " + stack);
    }

    private Map<String, String> baselineEnv() {
        var env = new LinkedHashMap<String, String>();
        env.put("BENCH_IMAGE", image);
        env.put("BENCH_PASSWORD", PASSWORD);
        env.put("BENCH_NAME", MINIMAL_NAME);
        for (int i = 0; i < 4; i++) {
            env.put("BENCH_PORT" + i, String.valueOf(baselinePorts.get(i)));
        }
        return env;
    }

    private void composeDown() {
        sh(List.of("docker-compose", "-p", COMPOSE_PROJECT, "-f", "docker-compose.yml", "down", "-v", "--remove-orphans"),
                baselineEnv(), Path.of("bench", "compose")).orThrow("docker-compose down");
    }

    private void minimalDown() {
        sh(List.of("bash", "bench/minimal.sh", "down"), baselineEnv(), Path.of(".")).orThrow("minimal.sh down");
    }

    /** Removes what an earlier, interrupted run of the benchmark left: only its own objects. */
    private void cleanUp() {
        for (String stack : List.of("bench-r1", "bench-r2", "bench-r3", "bench-load", "bench-switch", "bench-backup",
                "bench-restored")) {
            if (Files.isDirectory(project) && cli(project, "stack", "select", stack).ok()) {
                cli(project, "destroy", "--yes", "--skip-preview", "--stack", stack);
                cli(project, "stack", "rm", "--yes", "--force", stack);
            }
        }
        sh(List.of("docker-compose", "-p", COMPOSE_PROJECT, "-f", "docker-compose.yml", "down", "-v", "--remove-orphans"),
                baselineEnv(), Path.of("bench", "compose"));
        minimalDown();
        docker("volume", "rm", "-f", "pgcbench-copy");
    }

    private static long leftovers(String filter) {
        long count = 0;
        for (List<String> list : List.of(List.of("ps", "-aq"), List.of("volume", "ls", "-q"), List.of("network", "ls", "-q"))) {
            var args = new ArrayList<>(list);
            args.add("--filter");
            args.add(filter);
            count += docker(args.toArray(String[]::new)).stdout().lines().filter(l -> !l.isBlank()).count();
        }
        return count;
    }

    private static List<BenchParsers.DockerEvent> events(Instant since) {
        String out = docker("events", "--since", String.valueOf(since.getEpochSecond() - 1), "--until",
                String.valueOf(Instant.now().getEpochSecond() + 1), "--format", "{{json .}}").orThrow("docker events").stdout();
        return BenchParsers.dockerEvents(out).stream().filter(e -> !e.at().isBefore(since)).toList();
    }

    /**
     * Polls every standby's {@code pg_stat_wal_receiver} (over its published port) until all of
     * them stream. Seen from the standbys: a base backup's own WAL stream shows up as
     * "streaming" in the primary's pg_stat_replication before any standby runs.
     */
    private static final class StreamingWatch implements AutoCloseable {
        private final Thread thread;
        private volatile Instant reached;

        StreamingWatch(List<Integer> standbyPorts, String user) {
            thread = new Thread(() -> {
                var streaming = new java.util.HashSet<Integer>();
                var open = new java.util.HashMap<Integer, Connection>();
                while (reached == null && !Thread.currentThread().isInterrupted()) {
                    for (int port : standbyPorts) {
                        if (streaming.contains(port)) {
                            continue;
                        }
                        try {
                            Connection c = open.containsKey(port) ? open.get(port) : connect(port, user);
                            open.put(port, c);
                            try (ResultSet rs = c.createStatement().executeQuery("SELECT status FROM pg_stat_wal_receiver")) {
                                if (rs.next() && "streaming".equals(rs.getString(1))) {
                                    streaming.add(port);
                                }
                            }
                        } catch (SQLException e) {
                            // not up yet, or refusing reads until it streams
                            closeQuietly(open.remove(port));
                        }
                    }
                    if (streaming.size() == standbyPorts.size()) {
                        reached = Instant.now();
                        open.values().forEach(Bench::closeQuietly);
                        return;
                    }
                    try {
                        Thread.sleep(25);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "streaming-watch");
            thread.setDaemon(true);
            thread.start();
        }

        Instant await(Duration timeout) throws InterruptedException {
            thread.join(timeout.toMillis());
            if (reached == null) {
                throw new IllegalStateException("the standbys did not all stream within " + timeout);
            }
            return reached;
        }

        @Override
        public void close() {
            thread.interrupt();
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // a connection that already failed
            }
        }
    }

    private static Connection connect(int port, String user) throws SQLException {
        var props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", PASSWORD);
        props.setProperty("connectTimeout", "2");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", props);
    }

    // -------------------------------------------------------------- processes

    private Shell.Result cli(Path dir, String... args) {
        return cli(dir, Map.of(), args);
    }

    private Shell.Result cli(Path dir, Map<String, String> extraEnv, String... args) {
        var command = new ArrayList<String>();
        command.add("pulumi");
        command.addAll(List.of(args));
        command.add("--non-interactive");
        var env = new LinkedHashMap<>(cliEnv);
        env.putAll(extraEnv);
        return sh(command, env, dir);
    }

    private static Shell.Result docker(String... args) {
        return Docker.run(LIMIT, null, args);
    }

    private static Shell.Result sh(List<String> command, Map<String, String> env, Path dir) {
        return Shell.run(command, env, null, LIMIT, dir);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }

    private static double last(List<Double> values) {
        return values.get(values.size() - 1);
    }

    private static String firstLine(String s) {
        return s.lines().findFirst().orElse("").strip();
    }

    /** Next candidate host port: below Linux's ephemeral range (32768–60999), which clients' own ports come from. */
    private static int nextPort = 22000;

    /**
     * Ports free now and outside the ephemeral range: an ephemeral port that is free when it is
     * chosen can be taken by a client connection (the benchmark's own) before Docker binds it.
     */
    private static List<Integer> freePorts(int count) {
        var ports = new ArrayList<Integer>();
        while (ports.size() < count) {
            int port = nextPort++;
            if (port > 32000) {
                throw new IllegalStateException("no free host ports between 22000 and 32000");
            }
            try (var socket = new ServerSocket(port, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
                ports.add(port);
            } catch (IOException taken) {
                // in use: try the next one
            }
        }
        return ports;
    }

}
