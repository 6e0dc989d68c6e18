package dev.pgcluster.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One resource as the program declared it: its inputs exactly as they would reach the engine
 * (secrets still wrapped in Pulumi's secret marker) and the options that matter here.
 *
 * @param type           the type token
 * @param name           the logical name
 * @param parent         the parent's logical name, if any
 * @param inputs         serialized inputs; a secret value is {@code {SIG_KEY: SECRET_SIG, "value": v}}
 * @param dependsOn      logical names of explicit dependencies
 * @param retainOnDelete the retainOnDelete option
 * @param deleteBeforeReplace the deleteBeforeReplace option
 * @param additionalSecretOutputs outputs the engine must treat as secret
 * @param version        the provider version asked for, if any
 * @param ignoreChanges  inputs whose changes the engine ignores
 * @param replaceWith    logical names of resources whose replacement replaces this one
 * @param replaceOnChanges inputs whose change replaces this resource
 * @param aliases        the aliases: each a URN, or {@code type <token>} for one that names only another type
 * @param provider       the logical name of the explicit provider, if one was given
 */
public record DeclaredResource(String type, String name, Optional<String> parent, Map<String, Object> inputs,
                               List<String> dependsOn, boolean retainOnDelete, boolean deleteBeforeReplace,
                               List<String> additionalSecretOutputs, Optional<String> version,
                               List<String> ignoreChanges, List<String> replaceWith, List<String> replaceOnChanges,
                               List<String> aliases, Optional<String> provider) {
    public static final String SIG_KEY = "4dabf18193072939515e22adb298388d";
    public static final String SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

    /** The inputs with every secret unwrapped, as a policy pack sees them. */
    public Map<String, Object> plainInputs() {
        @SuppressWarnings("unchecked")
        var plain = (Map<String, Object>) unwrap(inputs);
        return plain;
    }

    /** A plain input by name, null when absent. */
    public Object input(String name) {
        return plainInputs().get(name);
    }

    /** Whether the named top-level input is, or contains, a secret. */
    public boolean inputIsSecret(String name) {
        return containsSecret(inputs.get(name));
    }

    /** Top-level input names whose value is, or contains, a secret. */
    public List<String> secretInputs() {
        var names = new ArrayList<String>();
        inputs.forEach((k, v) -> {
            if (containsSecret(v)) {
                names.add(k);
            }
        });
        return names;
    }

    /** Every plain string anywhere in the inputs that is not inside a secret. */
    public List<String> stringsOutsideSecrets() {
        var out = new ArrayList<String>();
        collectPlainStrings(inputs, out);
        return out;
    }

    public static boolean isSecret(Object value) {
        return value instanceof Map<?, ?> map && SECRET_SIG.equals(map.get(SIG_KEY));
    }

    static boolean containsSecret(Object value) {
        if (isSecret(value)) {
            return true;
        }
        if (value instanceof Map<?, ?> map) {
            return map.values().stream().anyMatch(DeclaredResource::containsSecret);
        }
        if (value instanceof List<?> list) {
            return list.stream().anyMatch(DeclaredResource::containsSecret);
        }
        return false;
    }

    static Object unwrap(Object value) {
        if (isSecret(value)) {
            return unwrap(((Map<?, ?>) value).get("value"));
        }
        if (value instanceof Map<?, ?> map) {
            var copy = new LinkedHashMap<String, Object>();
            map.forEach((k, v) -> copy.put(String.valueOf(k), unwrap(v)));
            return copy;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(DeclaredResource::unwrap).toList();
        }
        return value;
    }

    private static void collectPlainStrings(Object value, List<String> out) {
        if (isSecret(value)) {
            return;
        }
        if (value instanceof String s) {
            out.add(s);
        } else if (value instanceof Map<?, ?> map) {
            map.values().forEach(v -> collectPlainStrings(v, out));
        } else if (value instanceof List<?> list) {
            list.forEach(v -> collectPlainStrings(v, out));
        }
    }
}
