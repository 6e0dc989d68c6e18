package dev.pgcluster.cluster;

import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.pgcluster.command.Command;
import dev.pgcluster.command.CommandArgs;
import dev.pgcluster.command.Logging;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.Secret;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The passwords of the cluster's roles: from secret config when set, otherwise generated once by a
 * command step whose output Pulumi keeps in state as a secret, so it stays the same across
 * updates; and each role's SCRAM verifier, which is what the server is sent (see
 * {@link ScramVerifier}; their salts are derived under a key generated the same way). Every value
 * here is a secret {@link Output}.
 */
public final class ClusterSecrets extends ComponentResource {
    public static final String TYPE = "pgcluster:index:ClusterSecrets";

    /** Every input of the generator step. */
    public static final List<String> GENERATOR_INPUTS = List.of("create", "environment", "logging", "addPreviousOutputInEnv");

    private final Output<String> superuserPassword;
    private final Output<String> replicationPassword;
    private final Output<String> appPassword;
    private final Output<String> monitoringPassword;
    private final Output<String> saltKey;
    private final ClusterConfig config;
    private final int generation;

    public ClusterSecrets(String name, ClusterConfig config, ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.config = config;
        this.generation = config.passwordGeneration();
        this.superuserPassword = fromConfigOrGenerated(name + "-superuser-password", config.superuserPassword());
        this.replicationPassword = fromConfigOrGenerated(name + "-replication-password", config.replicationPassword());
        this.appPassword = fromConfigOrGenerated(name + "-app-password", config.clientRoles().appPassword());
        this.monitoringPassword = fromConfigOrGenerated(name + "-monitoring-password",
                config.clientRoles().monitoringPassword());
        this.saltKey = fromConfigOrGenerated(name + "-scram-salt-key", Optional.empty());
        registerOutputs(Map.of(
                "superuserPassword", superuserPassword,
                "replicationPassword", replicationPassword,
                "appPassword", appPassword,
                "monitoringPassword", monitoringPassword));
    }

    private Output<String> fromConfigOrGenerated(String name, Optional<Secret> configured) {
        if (configured.isPresent()) {
            return configured.get().value();
        }
        return generated(this, name, generation);
    }

    /**
     * A password generated once by a command step under {@code parent} and kept in state as a
     * secret; raising {@code generation} above 1 generates it again.
     */
    public static Output<String> generated(Resource parent, String name, int generation) {
        var args = CommandArgs.builder()
                .create(InitScripts.read(InitScripts.GENERATE_PASSWORD))
                .environment(Map.of("PGC_STEP", "generate-password"))
                .logging(Logging.NONE)
                .addPreviousOutputInEnv(false);
        if (generation > 1) {
            // Raising passwordGeneration replaces the generator, so it generates again. Generation 1
            // has no trigger: stacks made before the key existed keep their passwords.
            args.triggers(Output.of(List.<Object>of(generation)));
        }
        var generator = new Command(name, args.build(),
                CustomResourceOptions.builder()
                        .parent(parent)
                        .additionalSecretOutputs(List.of("stdout"))
                        // Generated once, then never again: without an `update` the provider
                        // runs `create` on any input change (an edited script, even a comment),
                        // which would put a new password in state while the database keeps the
                        // old one.
                        .ignoreChanges(GENERATOR_INPUTS)
                        .build());
        // Marked secret here as well, so the value is secret even before the engine says so.
        return generator.stdout().applyValue(String::strip).asSecret();
    }

    public Output<String> superuserPassword() {
        return superuserPassword;
    }

    public Output<String> replicationPassword() {
        return replicationPassword;
    }

    /** The application role's password. */
    public Output<String> appPassword() {
        return appPassword;
    }

    /** The monitoring role's password. */
    public Output<String> monitoringPassword() {
        return monitoringPassword;
    }

    /** The superuser's SCRAM verifier. */
    public Output<String> superuserVerifier() {
        return verifier(ClusterConfig.SUPERUSER, superuserPassword);
    }

    /** The replication role's SCRAM verifier. */
    public Output<String> replicationVerifier() {
        return verifier(config.replicationUser(), replicationPassword);
    }

    /** The application role's SCRAM verifier. */
    public Output<String> appVerifier() {
        return verifier(config.clientRoles().appUser(), appPassword);
    }

    /** The monitoring role's SCRAM verifier. */
    public Output<String> monitoringVerifier() {
        return verifier(config.clientRoles().monitoringUser(), monitoringPassword);
    }

    private Output<String> verifier(String role, Output<String> password) {
        return Output.tuple(saltKey, password).applyValue(t -> ScramVerifier.forRole(t.t1, role, t.t2)).asSecret();
    }
}
