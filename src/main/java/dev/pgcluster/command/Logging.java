package dev.pgcluster.command;

import com.pulumi.core.annotations.EnumType;
import java.util.Objects;

/** Which of a command's streams the provider writes to the Pulumi log ({@code logging} input). */
@EnumType
public enum Logging {
    STDOUT("stdout"),
    STDERR("stderr"),
    STDOUT_AND_STDERR("stdoutAndStderr"),
    NONE("none");

    private final String value;

    Logging(String value) {
        this.value = Objects.requireNonNull(value);
    }

    @EnumType.Converter
    public String getValue() {
        return value;
    }
}
