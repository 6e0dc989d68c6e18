package dev.pgcluster.testing;

import com.pulumi.test.Mocks;
import dev.pgcluster.cluster.ClusterNetwork;
import dev.pgcluster.cluster.ClusterSecrets;
import dev.pgcluster.cluster.ClusterTls;
import dev.pgcluster.cluster.Monitoring;
import dev.pgcluster.cluster.PostgresCluster;
import dev.pgcluster.cluster.PostgresNode;
import dev.pgcluster.command.Command;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Mocks that know exactly the resource types this program declares and fail on anything else
 * (an unexpected type or any provider call). They answer with the inputs plus the outputs the
 * program reads, and record the order in which the engine would create resources: a callback
 * runs only after the callbacks of everything the resource depends on.
 */
public final class StrictMocks implements Mocks {
    /** The program's own component resources: grouping only, nothing to create. */
    public static final Set<String> COMPONENT_TYPES = Set.of(PostgresCluster.TYPE, ClusterNetwork.TYPE,
            ClusterSecrets.TYPE, ClusterTls.TYPE, Monitoring.TYPE, PostgresNode.TYPE,
            dev.pgcluster.mode.patroni.PatroniMember.TYPE, dev.pgcluster.mode.patroni.EtcdMember.TYPE,
            dev.pgcluster.backup.Backups.TYPE);

    public static final Set<String> KNOWN_TYPES = Stream.concat(COMPONENT_TYPES.stream(), Stream.of(
            "docker:index/network:Network",
            "docker:index/volume:Volume",
            "docker:index/container:Container",
            "docker:index/remoteImage:RemoteImage",
            "pulumi:providers:docker",
            Command.TYPE)).collect(Collectors.toUnmodifiableSet());

    /** The one provider function the program calls: the image lookup when it does not pull. */
    public static final String GET_REMOTE_IMAGE = "docker:index/getRemoteImage:getRemoteImage";
    /** The ID the mocked image lookup answers. */
    public static final String IMAGE_ID = "sha256:" + "1".repeat(64);

    /** What the mocked password generator prints. */
    public static final String GENERATED_PASSWORD = "mockGeneratedPassword0123456789";

    private final List<String> creationOrder = Collections.synchronizedList(new ArrayList<>());
    /** Each provider function called: "token provider-reference". */
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    /** The provider functions the program called, each as "token provider-reference". */
    public List<String> calls() {
        return List.copyOf(calls);
    }

    @Override
    public CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
        if (!KNOWN_TYPES.contains(args.type)) {
            return CompletableFuture.failedFuture(new AssertionError("unexpected resource type " + args.type
                    + " (" + args.name + ")"));
        }
        creationOrder.add(args.name);
        Map<String, Object> state = new HashMap<>(args.inputs);
        switch (args.type) {
            case "docker:index/remoteImage:RemoteImage" -> state.put("imageId", "sha256:" + "0".repeat(64));
            case "command:local:Command" -> {
                Object env = args.inputs.get("environment");
                Object step = env instanceof Map<?, ?> m ? m.get("PGC_STEP") : null;
                state.put("stdout", switch (String.valueOf(step)) {
                    case "generate-password" -> GENERATED_PASSWORD + "\n";
                    case "seed" -> seeded((Map<?, ?>) env);
                    case "tls-ca" -> caKey((Map<?, ?>) env) + caCertificate((Map<?, ?>) env);
                    default -> "";
                });
                // make-ca.sh prints the certificate alone on stderr: its one output that is not secret.
                state.put("stderr", "tls-ca".equals(step) ? caCertificate((Map<?, ?>) env) : "");
            }
            default -> {
            }
        }
        return CompletableFuture.completedFuture(ResourceResult.of(Optional.of(id(args.name)), state));
    }

    /** The ID the mocks give the resource named {@code name}: the same in every run, as an updated resource keeps its ID. */
    public static String id(String name) {
        return name + "-id";
    }

    /** Stands for the PEM key init/tls/make-ca.sh prints; names its CA so tests can tell generations apart. */
    public static String caKey(Map<?, ?> env) {
        return "-----BEGIN PRIVATE KEY-----\nkey of " + env.get("PGC_CA_NAME") + "\n-----END PRIVATE KEY-----\n";
    }

    /** Stands for the PEM certificate init/tls/make-ca.sh prints. */
    public static String caCertificate(Map<?, ?> env) {
        return "-----BEGIN CERTIFICATE-----\n" + env.get("PGC_CA_NAME") + "\n-----END CERTIFICATE-----\n";
    }

    /** What init/node/seed.sh prints: the node, what it did for the node's role, a time and a nonce. */
    public static String seeded(Map<?, ?> seedEnvironment) {
        String did = "primary".equals(seedEnvironment.get("PGC_ROLE")) ? "initialized" : "seeded";
        return seedEnvironment.get("PGC_NODE") + " " + did + " 20261127T000000Z 0123abcd";
    }

    @Override
    public CompletableFuture<Map<String, Object>> callAsync(CallArgs args) {
        calls.add(args.token + " " + args.provider);
        if (GET_REMOTE_IMAGE.equals(args.token)) {
            return CompletableFuture.completedFuture(Map.of("id", IMAGE_ID, "name", args.args.get("name"),
                    "repoDigest", ""));
        }
        return CompletableFuture.failedFuture(new AssertionError("unexpected provider call " + args.token));
    }

    /** Logical names in the order their creation callbacks ran. */
    public List<String> creationOrder() {
        return List.copyOf(creationOrder);
    }
}
