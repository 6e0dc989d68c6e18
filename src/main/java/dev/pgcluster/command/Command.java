package dev.pgcluster.command;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Export;
import com.pulumi.core.annotations.ResourceType;
import com.pulumi.resources.CustomResource;
import com.pulumi.resources.CustomResourceOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.annotation.Nullable;

/**
 * The official pulumi-command provider's {@code command:local:Command}, bound by hand because
 * {@code com.pulumi:command} cannot be resolved from the registry this project builds against.
 * Users run the official provider plugin: {@code com/pulumi/command/plugin.json} and
 * {@code version.txt} on the classpath make the Java language host install it, and every resource
 * asks for that exact version (our CI, which cannot download it, runs our own implementation of
 * that version's contract; see README, "The Pulumi toolchain offline").
 */
@ResourceType(type = "command:local:Command")
public class Command extends CustomResource {
    public static final String TYPE = "command:local:Command";

    @Export(name = "stdout", refs = {String.class}, tree = "[0]")
    private Output<String> stdout;

    @Export(name = "stderr", refs = {String.class}, tree = "[0]")
    private Output<String> stderr;

    /**
     * @param name    the logical name, unique in the stack
     * @param args    the command's inputs
     * @param options resource options; the provider version is added to them
     */
    public Command(String name, CommandArgs args, @Nullable CustomResourceOptions options) {
        super(TYPE, name, args, CustomResourceOptions.merge(
                CustomResourceOptions.builder()
                        .version(providerVersion())
                        // As the official SDKs' generated code says it: a changed trigger replaces.
                        // The provider's schema alone replaces only when triggers appear or go.
                        .replaceOnChanges(List.of("triggers"))
                        .build(),
                options, null));
    }

    /** What the command printed on standard output, captured when it last ran. */
    public Output<String> stdout() {
        return stdout;
    }

    /** What the command printed on standard error, captured when it last ran. */
    public Output<String> stderr() {
        return stderr;
    }

    /** The pinned provider version, read from the same {@code version.txt} the language host reads. */
    public static String providerVersion() {
        try (InputStream in = Command.class.getResourceAsStream("/com/pulumi/command/version.txt")) {
            if (in == null) {
                throw new IllegalStateException("com/pulumi/command/version.txt is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
