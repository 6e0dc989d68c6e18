// Docker image references: [registry[:port]/]repository[:tag][@digest].

export interface ImageRef {
    repository: string;
    tag?: string;
    digest?: string;
}

export function parseImageRef(ref: string): ImageRef {
    let rest = ref.trim();
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
    }
    // A colon after the last slash separates the tag; one before it belongs to a registry port.
    const lastSlash = rest.lastIndexOf("/");
    const colon = rest.indexOf(":", lastSlash + 1);
    if (colon >= 0) {
        return { repository: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
    }
    return { repository: rest, digest };
}

/** An image ID as the docker provider reports it (`sha256:<hex>`): content-addressed, so pinned. */
export function isImageId(ref: string): boolean {
    return /^sha256:[0-9a-f]{64}$/.test(ref.trim());
}

export function hasDigest(ref: ImageRef): boolean {
    return ref.digest !== undefined && /^sha256:[0-9a-f]{64}$/.test(ref.digest);
}

/** A tag that names a release: starts with a digit (17, 17.6, 17.6-bookworm), optionally after "v". */
export function isVersionTag(tag: string): boolean {
    return /^v?\d/.test(tag);
}
