import { describe, it } from "node:test";
import { pinnedImage } from "../rules/pinnedImage";
import {
    containerProps, CONTAINER, ETCD_IMAGE, etcdContainerProps, EXPORTER_IMAGE, exporterProps, NETWORK, PATRONI_IMAGE, prometheusProps, REMOTE_IMAGE,
    remoteImageProps,
} from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, resourceArgs, UNKNOWN_STRING } from "./util";

const DIGEST = "sha256:" + "a".repeat(64);

describe("pinned-image", () => {
    const policy = pinnedImage;
    const container = (image: string) => resourceArgs(CONTAINER, { ...containerProps("pg0"), image });
    const remoteImage = (name: string) => resourceArgs(REMOTE_IMAGE, remoteImageProps(name));
    const advice = "use a version tag (e.g. postgres:17.6) or a digest (@sha256:…).";

    it("passes the exporter's and Prometheus's RemoteImages (tags v0.17.1, v2.53.3)", async () => {
        await assertNoViolations(policy, remoteImage(EXPORTER_IMAGE));
        await assertNoViolations(policy, remoteImage(prometheusProps().image));
    });

    it("reports an exporter container on latest", async () => {
        const image = "quay.io/prometheuscommunity/postgres-exporter:latest";
        await assertHasViolation(policy, resourceArgs(CONTAINER, { ...exporterProps("pg1"), image }),
            `Image "${image}" is not pinned: tag "latest" moves to new releases; ${advice}`);
    });

    it("reports a Prometheus container without a tag", async () => {
        const image = "quay.io/prometheus/prometheus";
        await assertHasViolation(policy, resourceArgs(CONTAINER, { ...prometheusProps(), image }),
            `Image "${image}" is not pinned: it has no tag, so Docker uses "latest"; ${advice}`);
    });

    it("passes a container image with a version tag", async () => {
        await assertNoViolations(policy, container("postgres:17.6"));
    });

    it("passes a RemoteImage with a version tag", async () => {
        await assertNoViolations(policy, remoteImage("postgres:17.6"));
    });

    it("passes a digest", async () => {
        await assertNoViolations(policy, container(`postgres@${DIGEST}`));
    });

    it("passes a registry with a port and a version tag", async () => {
        await assertNoViolations(policy, container("registry.local:5000/library/postgres:17.6-bookworm"));
    });

    it("passes an image ID (a container fed by a RemoteImage)", async () => {
        await assertNoViolations(policy, container(DIGEST));
    });

    it("skips a container image that is unknown during preview", async () => {
        await assertNoViolations(policy, container(UNKNOWN_STRING));
    });

    it("reports latest on a container", async () => {
        await assertHasViolation(policy, container("postgres:latest"),
            `Image "postgres:latest" is not pinned: tag "latest" moves to new releases; ${advice}`);
    });

    it("reports latest on a RemoteImage", async () => {
        await assertHasViolation(policy, remoteImage("postgres:latest"),
            `Image "postgres:latest" is not pinned: tag "latest" moves to new releases; ${advice}`);
    });

    it("reports a bare name", async () => {
        await assertHasViolation(policy, container("postgres"),
            `Image "postgres" is not pinned: it has no tag, so Docker uses "latest"; ${advice}`);
    });

    it("reports a bare name behind a registry port", async () => {
        await assertHasViolation(policy, remoteImage("registry.local:5000/postgres"),
            `Image "registry.local:5000/postgres" is not pinned: it has no tag, so Docker uses "latest"; ${advice}`);
    });

    it("reports a tag that is not a version", async () => {
        await assertHasViolation(policy, container("postgres:alpine"),
            `Image "postgres:alpine" is not pinned: tag "alpine" is not a version; ${advice}`);
    });

    it("does not apply to networks", async () => {
        await assertNotApplicable(policy, resourceArgs(NETWORK, { name: "net" }));
    });
});

describe("pinned-image with ha: patroni", () => {
    const policy = pinnedImage;

    it("passes the Patroni image and etcd's, each pinned to a version tag", async () => {
        await assertNoViolations(policy, resourceArgs(REMOTE_IMAGE, remoteImageProps(PATRONI_IMAGE)));
        await assertNoViolations(policy, resourceArgs(REMOTE_IMAGE, remoteImageProps(ETCD_IMAGE)));
        await assertNoViolations(policy, resourceArgs(CONTAINER, etcdContainerProps("etcd0")));
    });

    it("passes the local tag the shipped staging and production stacks build (no registry in it)", async () => {
        await assertNoViolations(policy, resourceArgs(REMOTE_IMAGE, remoteImageProps("pg-cluster/patroni:17.6-4.0.7")));
        await assertNoViolations(policy, resourceArgs(CONTAINER, { ...containerProps("pg0"), image: "pg-cluster/patroni:17.6-4.0.7" }));
    });

    it("reports that local name without its tag", async () => {
        await assertHasViolation(policy, resourceArgs(REMOTE_IMAGE, remoteImageProps("pg-cluster/patroni")),
            "Image \"pg-cluster/patroni\" is not pinned: it has no tag, so Docker uses \"latest\"; " +
            "use a version tag (e.g. postgres:17.6) or a digest (@sha256:…).");
    });

    it("reports an etcd image on latest", async () => {
        await assertHasViolation(policy, resourceArgs(CONTAINER, { ...etcdContainerProps("etcd0"), image: "quay.io/coreos/etcd:latest" }),
            "Image \"quay.io/coreos/etcd:latest\" is not pinned: tag \"latest\" moves to new releases; " +
            "use a version tag (e.g. postgres:17.6) or a digest (@sha256:…).");
    });
});
