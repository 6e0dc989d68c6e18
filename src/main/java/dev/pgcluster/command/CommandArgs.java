package dev.pgcluster.command;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Import;
import com.pulumi.resources.ResourceArgs;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.annotation.Nullable;

/**
 * Inputs of {@code command:local:Command}, named exactly as in the provider's schema. Only the
 * inputs this program uses are bound.
 */
public final class CommandArgs extends ResourceArgs {

    /** The command to run on create, by the interpreter ({@code /bin/sh -c} on Linux and macOS). */
    @Import(name = "create")
    private @Nullable Output<String> create;

    /** The command to run on update; without it, create runs again. */
    @Import(name = "update")
    private @Nullable Output<String> update;

    /** The command to run on delete. */
    @Import(name = "delete")
    private @Nullable Output<String> delete;

    /** Extra environment variables of the command's process. */
    @Import(name = "environment")
    private @Nullable Output<Map<String, String>> environment;

    /** Written to the command's standard input. */
    @Import(name = "stdin")
    private @Nullable Output<String> stdin;

    /** A change to any of these values replaces the resource, i.e. runs create again. */
    @Import(name = "triggers")
    private @Nullable Output<List<Object>> triggers;

    /** Which streams go to the Pulumi log; stdout and stderr are captured as outputs either way. */
    @Import(name = "logging")
    private @Nullable Output<Logging> logging;

    /** Whether the previous run's stdout/stderr are passed to the next run as environment variables. */
    @Import(name = "addPreviousOutputInEnv")
    private @Nullable Output<Boolean> addPreviousOutputInEnv;

    private CommandArgs() {
    }

    public Optional<Output<String>> create() {
        return Optional.ofNullable(create);
    }

    public Optional<Output<String>> update() {
        return Optional.ofNullable(update);
    }

    public Optional<Output<String>> delete() {
        return Optional.ofNullable(delete);
    }

    public Optional<Output<Map<String, String>>> environment() {
        return Optional.ofNullable(environment);
    }

    public Optional<Output<String>> stdin() {
        return Optional.ofNullable(stdin);
    }

    public Optional<Output<List<Object>>> triggers() {
        return Optional.ofNullable(triggers);
    }

    public Optional<Output<Logging>> logging() {
        return Optional.ofNullable(logging);
    }

    public Optional<Output<Boolean>> addPreviousOutputInEnv() {
        return Optional.ofNullable(addPreviousOutputInEnv);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder; every setter also takes an {@link Output}. */
    public static final class Builder {
        private final CommandArgs args = new CommandArgs();

        public Builder create(Output<String> create) {
            args.create = create;
            return this;
        }

        public Builder create(String create) {
            return create(Output.of(create));
        }

        public Builder update(Output<String> update) {
            args.update = update;
            return this;
        }

        public Builder update(String update) {
            return update(Output.of(update));
        }

        public Builder delete(Output<String> delete) {
            args.delete = delete;
            return this;
        }

        public Builder delete(String delete) {
            return delete(Output.of(delete));
        }

        public Builder environment(Output<Map<String, String>> environment) {
            args.environment = environment;
            return this;
        }

        public Builder environment(Map<String, String> environment) {
            return environment(Output.of(environment));
        }

        public Builder stdin(Output<String> stdin) {
            args.stdin = stdin;
            return this;
        }

        public Builder triggers(Output<List<Object>> triggers) {
            args.triggers = triggers;
            return this;
        }

        public Builder logging(Logging logging) {
            args.logging = Output.of(logging);
            return this;
        }

        public Builder addPreviousOutputInEnv(boolean value) {
            args.addPreviousOutputInEnv = Output.of(value);
            return this;
        }

        public CommandArgs build() {
            if (args.create == null) {
                throw new IllegalArgumentException("CommandArgs: create is required by this program");
            }
            return args;
        }
    }
}
