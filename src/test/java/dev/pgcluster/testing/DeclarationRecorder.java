package dev.pgcluster.testing;

import com.pulumi.core.Alias;
import com.pulumi.core.Output;
import com.pulumi.core.internal.Internal;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import com.pulumi.resources.ResourceTransformation;
import com.pulumi.serialization.internal.Serializer;
import com.pulumi.test.internal.PulumiTestInternal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A stack transformation that sees every resource before it is registered and records its
 * inputs through Pulumi's own serializer, so secretness is exactly what the engine would get.
 */
public final class DeclarationRecorder implements ResourceTransformation {
    private final List<CompletableFuture<DeclaredResource>> pending = Collections.synchronizedList(new ArrayList<>());

    @Override
    public Optional<Result> apply(Args args) {
        Resource resource = args.resource();
        var options = args.options();
        CompletableFuture<Object> inputs = new Serializer(PulumiTestInternal.mockLog())
                .serializeAsync(resource.pulumiResourceName(), args.args(), false);
        CompletableFuture<List<Resource>> dependsOn = Internal.of(options.getDependsOn()).getValueNullable()
                .thenApply(list -> list == null ? List.of() : list);
        CompletableFuture<List<String>> aliases = aliases(options.getAliases());
        boolean custom = options instanceof CustomResourceOptions;
        pending.add(aliases.thenCompose(aliasList -> inputs.thenCombine(dependsOn, (in, deps) -> {
            @SuppressWarnings("unchecked")
            var map = in == null ? Map.<String, Object>of() : (Map<String, Object>) in;
            return new DeclaredResource(
                    resource.pulumiResourceType(),
                    resource.pulumiResourceName(),
                    options.getParent().map(Resource::pulumiResourceName),
                    map,
                    deps.stream().map(Resource::pulumiResourceName).toList(),
                    options.isRetainOnDelete(),
                    custom && ((CustomResourceOptions) options).getDeleteBeforeReplace(),
                    custom ? ((CustomResourceOptions) options).getAdditionalSecretOutputs() : List.of(),
                    options.getVersion(),
                    List.copyOf(options.getIgnoreChanges()),
                    options.getReplaceWith() == null ? List.of()
                            : options.getReplaceWith().stream().map(Resource::pulumiResourceName).toList(),
                    List.copyOf(options.getReplaceOnChanges()),
                    aliasList,
                    options.getProvider().map(Resource::pulumiResourceName));
        })));
        return Optional.empty();
    }

    /** Each alias as its URN, or as {@code type <token>} when it names only another type. */
    private static CompletableFuture<List<String>> aliases(List<Output<Alias>> aliases) {
        var described = aliases.stream()
                .map(alias -> Internal.of(alias).getValueNullable().thenCompose(DeclarationRecorder::describe))
                .toList();
        return CompletableFuture.allOf(described.toArray(CompletableFuture[]::new))
                .thenApply(done -> described.stream().map(CompletableFuture::join).toList());
    }

    private static CompletableFuture<String> describe(Alias alias) {
        if (alias.getUrn().isPresent()) {
            return CompletableFuture.completedFuture(alias.getUrn().get());
        }
        Output<String> type = alias.getType().orElseThrow(() ->
                new AssertionError("an alias with neither URN nor type; extend DeclarationRecorder to record it"));
        return Internal.of(type).getValueNullable().thenApply(token -> "type " + token);
    }

    /** Everything recorded, once the run has finished. */
    public List<DeclaredResource> resources() {
        return pending.stream().map(CompletableFuture::join).toList();
    }
}
