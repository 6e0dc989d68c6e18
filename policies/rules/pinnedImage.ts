import { ResourceValidationPolicy } from "@pulumi/policy";
import { hasDigest, isImageId, isVersionTag, parseImageRef } from "../lib/images";
import { CONTAINER, REMOTE_IMAGE } from "../lib/types";
import { quote, readString } from "../lib/values";

// A moving tag silently changes the server under an existing data directory: `latest` is already
// PostgreSQL 18, which keeps PGDATA elsewhere and refuses to start on a 17 cluster.
function unpinnedReason(reference: string): string | undefined {
    if (isImageId(reference)) {
        return undefined;
    }
    const ref = parseImageRef(reference);
    if (hasDigest(ref)) {
        return undefined;
    }
    if (ref.tag === undefined || ref.tag === "") {
        return "it has no tag, so Docker uses \"latest\"";
    }
    if (ref.tag === "latest") {
        return "tag \"latest\" moves to new releases";
    }
    if (!isVersionTag(ref.tag)) {
        return `tag ${quote(ref.tag)} is not a version`;
    }
    return undefined;
}

export const pinnedImage: ResourceValidationPolicy = {
    name: "pinned-image",
    description: "Images are pinned to a version tag or a digest (no latest, no bare name).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        let reference: string | undefined = undefined;
        if (args.type === REMOTE_IMAGE) {
            const name = readString(() => args.props.name);
            reference = typeof name === "string" ? name : undefined;
        } else if (args.type === CONTAINER) {
            // With a RemoteImage the container gets its imageId, unknown during preview; the
            // RemoteImage's name is checked instead.
            const image = readString(() => args.props.image);
            reference = typeof image === "string" ? image : undefined;
        } else {
            return args.notApplicable(`applies to ${CONTAINER} and ${REMOTE_IMAGE} resources only`);
        }
        if (reference === undefined || reference.trim() === "") {
            return;
        }
        const reason = unpinnedReason(reference);
        if (reason !== undefined) {
            reportViolation(
                `Image ${quote(reference)} is not pinned: ${reason}; ` +
                "use a version tag (e.g. postgres:17.6) or a digest (@sha256:…).");
        }
    },
};
