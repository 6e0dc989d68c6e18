package dev.pgcluster.realdocker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Three Docker engines on this machine, each in a network namespace of its own with its own data
 * root and TLS endpoint, joined by a bridge ({@code tools/docker-lab}: up.sh, down.sh). Started by
 * the test layer and removed by it: everything the lab makes is named {@code lab22-*}.
 */
public final class DockerLab {
    public static final List<String> HOSTS = List.of("h1", "h2", "h3");
    /** The client certificates for every lab engine, in the layout DOCKER_CERT_PATH expects. */
    public static final String CERT_PATH = "/run/lab22/pki/client";
    /** This machine's address on the lab network. */
    public static final String MACHINE_ADDRESS = "10.222.0.1";
    private static final Path DIR = Path.of("tools", "docker-lab");

    private DockerLab() {
    }

    public static String address(String host) {
        return "10.222.0.1" + host.substring(1);
    }

    public static String endpoint(String host) {
        return "tcp://" + address(host) + ":2376";
    }

    /** h3 over ssh (the sshd up.sh starts in h3's namespace when sshd is installed). */
    public static String sshEndpoint() {
        return "ssh://root@" + address("h3");
    }

    /**
     * {@link #sshEndpoint()}, after checking that the lab has its sshd (and the ssh client config
     * up.sh writes for it): a lab without one fails here, naming what is missing.
     */
    public static String sshEndpointChecked() {
        if (!java.nio.file.Files.exists(Path.of("/etc/ssh/ssh_config.d/lab22.conf"))) {
            throw new IllegalStateException("the lab has no sshd for ssh:// (install openssh-server; .ci/run does)");
        }
        return sshEndpoint();
    }

    /**
     * Brings the lab up (idempotent), with the test image on h1 only, as on hosts that cannot pull
     * it: the program copies it to the others (an image a test copied there before is removed).
     */
    public static void up() {
        long started = System.nanoTime();
        Shell.run(List.of("sh", DIR.resolve("up.sh").toString()), Map.of("LAB22_IMAGE", TestImage.reference(),
                "LAB22_IMAGE_HOSTS", "h1"), null, Duration.ofMinutes(10)).orThrow("tools/docker-lab/up.sh");
        String id = dockerOk("h1", "image", "inspect", "--format", "{{.Id}}", TestImage.reference());
        for (String host : HOSTS.subList(1, HOSTS.size())) {
            docker(host, "image", "rm", "--force", id);
        }
        System.out.printf("docker lab up in %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    /** Removes everything the lab made. */
    public static void down() {
        Shell.run(List.of("sh", DIR.resolve("down.sh").toString()), Map.of(), null, Duration.ofMinutes(5))
                .orThrow("tools/docker-lab/down.sh");
    }

    /** The docker CLI against lab host {@code host}, the server verified against the lab's CA. */
    public static Shell.Result docker(String host, String... args) {
        var command = new ArrayList<String>();
        command.add("docker");
        command.addAll(Arrays.asList(args));
        return Shell.run(command, Map.of("DOCKER_HOST", endpoint(host), "DOCKER_CERT_PATH", CERT_PATH,
                "DOCKER_TLS_VERIFY", "1"), null, Duration.ofMinutes(2));
    }

    /**
     * The docker CLI against lab host {@code host} over its local socket, which works while the
     * host is cut off the lab network (what someone on that machine would see).
     */
    public static Shell.Result dockerLocal(String host, String... args) {
        var command = new ArrayList<String>();
        command.add("docker");
        command.add("--host");
        command.add("unix:///run/lab22/" + host + "/docker.sock");
        command.addAll(Arrays.asList(args));
        return Shell.run(command, Map.of(), null, Duration.ofMinutes(2));
    }

    public static String dockerOk(String host, String... args) {
        return docker(host, args).orThrow("docker " + String.join(" ", args) + " on " + host).stdout().strip();
    }

    public static String psql(String host, String container, String sql) {
        return dockerOk(host, "exec", "-u", "postgres", container, "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                "-d", "postgres", "-c", sql);
    }

    /**
     * The Patroni member of stack prefix {@code prefix} that leads and runs, as patronictl says on
     * the first member that answers (members on host {@code cutOff} are not asked), or null.
     *
     * @param hostOf member → its lab host
     */
    public static String patroniLeader(String prefix, Map<String, String> hostOf, String cutOff) {
        for (var entry : new java.util.TreeMap<>(hostOf).entrySet()) {
            if (entry.getValue().equals(cutOff)) {
                continue;
            }
            var list = docker(entry.getValue(), "exec", prefix + "-" + entry.getKey(), "patronictl", "-c",
                    dev.pgcluster.mode.patroni.PatroniFiles.CONFIG_DIR, "list", "-f", "json");
            if (!list.ok()) {
                continue;
            }
            for (var member : com.google.gson.JsonParser.parseString(list.stdout()).getAsJsonArray()) {
                var m = member.getAsJsonObject();
                if (m.get("Role").getAsString().equals("Leader") && m.get("State").getAsString().equals("running")) {
                    return m.get("Member").getAsString();
                }
            }
            return null;
        }
        return null;
    }

    /** Cuts {@code host} off the lab network (its cable to the switch down), or plugs it back in. */
    public static void cable(String host, boolean connected) {
        Shell.run(List.of("ip", "-n", "lab22-net", "link", "set", "lab22-" + host + "p", connected ? "up" : "down"),
                Map.of(), null, Duration.ofSeconds(10)).orThrow("ip link set lab22-" + host + "p");
    }
}
