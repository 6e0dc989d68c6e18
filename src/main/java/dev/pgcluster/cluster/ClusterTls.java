package dev.pgcluster.cluster;

import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import dev.pgcluster.command.Command;
import dev.pgcluster.command.CommandArgs;
import dev.pgcluster.command.Logging;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.TlsSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cluster's certificate authorities: one command step per trusted CA generation
 * ({@code <prefix>-tls-ca-<generation>}) makes an ECDSA key and a self-signed CA certificate once,
 * with openssl in a one-off container of the cluster's image, and Pulumi keeps them in state: the
 * key as a secret. The {@code tls} package has no Java SDK here, and a program cannot keep a key
 * it made itself from one run to the next; a step's output in state can.
 *
 * <p>Each node's conf step gets the signing CA on stdin and makes the node's key and certificate
 * on its volume (the node's key never leaves it). Nodes and clients trust every trusted
 * generation: during a CA rotation two, so that certificates of either verify.
 */
public final class ClusterTls extends ComponentResource {
    public static final String TYPE = "pgcluster:index:ClusterTls";

    private final TlsSettings settings;
    /** Generation → its step; stdout is the key and the certificate (secret), stderr the certificate. */
    private final Map<Integer, Command> authorities = new TreeMap<>();
    private final Output<String> trustedCertificates;

    public ClusterTls(String name, ClusterConfig config, Output<String> image, Placement placement,
                      ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.settings = config.tls();
        for (int generation : settings.trustedCaGenerations()) {
            authorities.put(generation, authority(this, name + "-ca-" + generation, config,
                    config.namePrefix() + " CA " + generation, image, placement));
        }
        this.trustedCertificates = bundle();
        registerOutputs(Map.of("caCertificates", trustedCertificates));
    }

    /**
     * A step that makes a CA key and certificate once ({@code init/tls/make-ca.sh}) and keeps them
     * in state: stdout the key and certificate (secret), stderr the certificate.
     */
    public static Command authority(ComponentResource parent, String name, ClusterConfig config, String caName,
                                    Output<String> image, Placement placement) {
        return new Command(name, CommandArgs.builder()
                .create(InitScripts.read(InitScripts.MAKE_CA))
                .environment(image.applyValue(id -> {
                    var env = new LinkedHashMap<String, String>();
                    env.put("PGC_STEP", "tls-ca");
                    env.put("PGC_IMAGE", id);
                    env.put("PGC_CA_NAME", caName);
                    env.put("PGC_CA_SCRIPT", InitScripts.read(InitScripts.CA_IN_CONTAINER));
                    env.put("PGC_PROJECT", config.project());
                    env.put("PGC_STACK", config.stack());
                    env.putAll(placement.commandEnvironment());
                    return (Map<String, String>) env;
                }))
                .logging(Logging.NONE)
                .addPreviousOutputInEnv(false)
                .build(),
                CustomResourceOptions.builder()
                        .parent(parent)
                        .additionalSecretOutputs(List.of("stdout"))
                        // Made once, then never again: a new image or an edited script must not
                        // make a new CA behind the nodes' backs. A new CA is a new generation.
                        .ignoreChanges(placement.ignoring(ClusterSecrets.GENERATOR_INPUTS))
                        .build());
    }

    /** The signing CA's key and certificate (PEM), for the nodes' conf steps. Secret. */
    public Output<String> signingAuthority() {
        return authorities.get(settings.caGeneration()).stdout().asSecret();
    }

    /** Every trusted CA certificate (PEM), signing generation first: what nodes and clients trust. */
    public Output<String> trustedCertificates() {
        return trustedCertificates;
    }

    private Output<String> bundle() {
        var ordered = new ArrayList<Output<String>>();
        ordered.add(authorities.get(settings.caGeneration()).stderr());
        authorities.forEach((generation, step) -> {
            if (generation != settings.caGeneration()) {
                ordered.add(step.stderr());
            }
        });
        return Output.all(ordered).applyValue(pems -> String.join("", pems.stream()
                .map(pem -> pem.strip() + "\n").toList()));
    }
}
