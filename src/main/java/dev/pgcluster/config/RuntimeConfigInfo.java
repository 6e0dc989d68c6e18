package dev.pgcluster.config;

import com.google.gson.JsonParser;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the Pulumi runtime says about the stack's config beyond single values: which keys are set
 * at all (to reject typos) and which were set as secrets (to reject plain-text passwords). The
 * language host passes both as environment variables; when they are absent the checks are skipped.
 *
 * @param presentKeys full keys ({@code project:key}) that are set, if known
 * @param secretKeys  full keys that were set with {@code --secret}, if known
 */
public record RuntimeConfigInfo(Optional<Set<String>> presentKeys, Optional<Set<String>> secretKeys) {

    public static final RuntimeConfigInfo UNKNOWN = new RuntimeConfigInfo(Optional.empty(), Optional.empty());

    public RuntimeConfigInfo {
        presentKeys = presentKeys.map(Set::copyOf);
        secretKeys = secretKeys.map(Set::copyOf);
    }

    /** Reads {@code PULUMI_CONFIG} (a JSON object) and {@code PULUMI_CONFIG_SECRET_KEYS} (a JSON array). */
    public static RuntimeConfigInfo fromEnvironment(Map<String, String> env) {
        Optional<Set<String>> present = Optional.ofNullable(env.get("PULUMI_CONFIG"))
                .map(json -> Set.copyOf(JsonParser.parseString(json).getAsJsonObject().keySet()));
        Optional<Set<String>> secret = Optional.ofNullable(env.get("PULUMI_CONFIG_SECRET_KEYS"))
                .map(json -> {
                    var keys = new HashSet<String>();
                    JsonParser.parseString(json).getAsJsonArray().forEach(k -> keys.add(k.getAsString()));
                    return keys;
                });
        return new RuntimeConfigInfo(present, secret);
    }
}
