package dev.pgcluster.cluster;

import com.pulumi.core.Output;
import dev.pgcluster.config.ClusterConfig;
import java.util.LinkedHashMap;

/**
 * What every mode's passwords step (init/primary/sync-passwords.sh) is given: the role names in
 * its environment, the four SCRAM verifiers on its stdin. The mode says which container is the
 * primary ({@code PGC_PRIMARY_CONTAINER}), or how to find it.
 */
public final class PasswordsStep {
    private PasswordsStep() {
    }

    /** The role names and the Docker host; the caller adds how the primary is found. */
    public static LinkedHashMap<String, String> environment(ClusterConfig config, Placement placement) {
        var env = new LinkedHashMap<String, String>();
        env.put("PGC_STEP", "passwords");
        env.put("PGC_SUPERUSER", ClusterConfig.SUPERUSER);
        env.put("PGC_REPLICATION_USER", config.replicationUser());
        env.put("PGC_DATABASE", config.database());
        env.put("PGC_APP_USER", config.clientRoles().appUser());
        env.put("PGC_MONITORING_USER", config.clientRoles().monitoringUser());
        env.put("DOCKER_HOST", placement.dockerHost());
        return env;
    }

    /** Superuser, replication, application and monitoring verifier, one per line. Secret. */
    public static Output<String> verifiers(ClusterSecrets secrets) {
        return Output.tuple(secrets.superuserVerifier(), secrets.replicationVerifier(), secrets.appVerifier(),
                        secrets.monitoringVerifier())
                .applyValue(p -> p.t1 + "\n" + p.t2 + "\n" + p.t3 + "\n" + p.t4 + "\n").asSecret();
    }
}
