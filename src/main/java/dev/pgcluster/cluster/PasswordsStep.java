package dev.pgcluster.cluster;

import com.pulumi.core.Alias;
import com.pulumi.core.Output;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.pgcluster.command.Command;
import dev.pgcluster.command.CommandArgs;
import dev.pgcluster.command.Logging;
import dev.pgcluster.config.ClusterConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every mode's passwords step (init/primary/sync-passwords.sh): the role names in its environment,
 * the four SCRAM verifiers on its stdin. The mode says which container is the primary
 * ({@code PGC_PRIMARY_CONTAINER}), or how to find it.
 */
public final class PasswordsStep {
    private PasswordsStep() {
    }

    /**
     * The step: {@code script} (init/primary/sync-passwords.sh, with whatever finds the primary in
     * front of it), the role names and {@code primary} (how the script finds the primary) in its
     * environment, the verifiers on its stdin; its output stays secret.
     */
    public static Command declare(Resource parent, String name, ClusterConfig config, ClusterSecrets secrets,
                                  Placement placement, String script, Map<String, String> primary,
                                  List<Resource> after, List<Output<Alias>> aliases) {
        var env = environment(config, placement);
        env.putAll(primary);
        return new Command(name, CommandArgs.builder()
                .create(script)
                .environment(env)
                .stdin(verifiers(secrets))
                .logging(Logging.STDOUT_AND_STDERR)
                .build(),
                CustomResourceOptions.builder()
                        .parent(parent)
                        .dependsOn(after)
                        .additionalSecretOutputs(List.of("stdout", "stderr"))
                        .aliases(aliases)
                        .build());
    }

    /** The role names and the Docker host; the caller adds how the primary is found. */
    private static LinkedHashMap<String, String> environment(ClusterConfig config, Placement placement) {
        var env = new LinkedHashMap<String, String>();
        env.put("PGC_STEP", "passwords");
        env.put("PGC_SUPERUSER", ClusterConfig.SUPERUSER);
        env.put("PGC_REPLICATION_USER", config.replicationUser());
        env.put("PGC_DATABASE", config.database());
        env.put("PGC_APP_USER", config.clientRoles().appUser());
        env.put("PGC_MONITORING_USER", config.clientRoles().monitoringUser());
        env.putAll(placement.commandEnvironment());
        return env;
    }

    /** Superuser, replication, application and monitoring verifier, one per line. Secret. */
    private static Output<String> verifiers(ClusterSecrets secrets) {
        return Output.tuple(secrets.superuserVerifier(), secrets.replicationVerifier(), secrets.appVerifier(),
                        secrets.monitoringVerifier())
                .applyValue(p -> p.t1 + "\n" + p.t2 + "\n" + p.t3 + "\n" + p.t4 + "\n").asSecret();
    }
}
