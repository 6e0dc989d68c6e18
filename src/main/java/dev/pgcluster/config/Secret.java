package dev.pgcluster.config;

import com.pulumi.core.Output;
import java.util.Objects;

/**
 * A password from secret config. The value only ever exists inside a secret {@link Output}, so it
 * cannot be printed or string-concatenated by accident.
 */
public final class Secret {
    private final Output<String> value;

    private Secret(Output<String> value) {
        this.value = value;
    }

    public static Secret of(String plain) {
        return new Secret(Output.ofSecret(Objects.requireNonNull(plain)));
    }

    public Output<String> value() {
        return value;
    }

    @Override
    public String toString() {
        return "Secret[***]";
    }
}
