import { describe, it } from "node:test";
import { productionVolumesRetained } from "../rules/productionVolumesRetained";
import { clusterResources, propsOf, VOLUME, volumeProps } from "./builders";
import { assertHasViolation, assertNoViolations, stackArgs, urnOf } from "./util";

function dropRetainLabel(props: Record<string, any>): void {
    props.labels = props.labels.filter((l: { label: string }) => l.label !== "pg-cluster.retain-on-delete");
}

describe("production-volumes-retained", () => {
    const policy = productionVolumesRetained;
    const message = (volume: string) =>
        `Production volume "${volume}" is not marked retained on delete (label pg-cluster.retain-on-delete="true" missing); ` +
        "declare it with the retainOnDelete resource option and that label so a destroy or replacement keeps the data.";

    it("passes a production stack whose volumes are retained", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(2, "production")));
    });

    it("passes a development stack without the label", async () => {
        await assertNoViolations(policy, stackArgs(clusterResources(2, "development")));
    });

    it("reports a production volume without the label", async () => {
        const resources = clusterResources(2, "production");
        dropRetainLabel(propsOf(resources, "pg1-data"));
        await assertHasViolation(policy, stackArgs(resources), message("pg-cluster-prod-pg1-data"), urnOf(VOLUME, "pg1-data"));
    });

    it("reports a production volume whose label is not true", async () => {
        const resources = clusterResources(2, "production");
        const labels = propsOf(resources, "pg0-data").labels;
        labels.find((l: { label: string }) => l.label === "pg-cluster.retain-on-delete").value = "false";
        await assertHasViolation(policy, stackArgs(resources), message("pg-cluster-prod-pg0-data"));
    });

    it("reports a volume labelled production on its own", async () => {
        const props = volumeProps("pg0", "development");
        props.labels.push({ label: "pg-cluster.environment", value: "production" });
        await assertHasViolation(policy, stackArgs([{ type: VOLUME, name: "pg0-data", props }]), message("pg-cluster-dev-pg0-data"));
    });
});
