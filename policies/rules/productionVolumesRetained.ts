import { StackValidationPolicy } from "@pulumi/policy";
import { labelsOf } from "../lib/container";
import { isProductionStack } from "../lib/cluster";
import { ENVIRONMENT_PRODUCTION, LABEL_ENVIRONMENT, LABEL_RETAIN_ON_DELETE, VOLUME } from "../lib/types";
import { isKnown, quote, readString } from "../lib/values";

// `pulumi destroy`, or a replacement after renaming, deletes a volume and with it the cluster's
// data. The retainOnDelete resource option prevents that, but @pulumi/policy 1.21.0 does not pass
// it to policies (PolicyResourceOptions has no retainOnDelete), so the program mirrors it in a
// label and this rule checks the label.
export const productionVolumesRetained: StackValidationPolicy = {
    name: "production-volumes-retained",
    description: "In production stacks every Docker volume is retained on delete (label pg-cluster.retain-on-delete=true).",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const productionStack = isProductionStack(args.resources);
        const volumes = args.resources.filter((r) => r.type === VOLUME);
        for (const volume of volumes) {
            const labels = labelsOf(volume.props);
            if (!productionStack && labels.get(LABEL_ENVIRONMENT) !== ENVIRONMENT_PRODUCTION) {
                continue;
            }
            // A stack, or a volume, not known yet to be production is skipped above; a label not
            // known yet during preview is decided during the update.
            const retained = labels.get(LABEL_RETAIN_ON_DELETE);
            if (isKnown(retained) && retained !== "true") {
                const name = readString(() => volume.props.name);
                reportViolation(
                    `Production volume ${quote(typeof name === "string" ? name : volume.name)} is not marked retained on delete ` +
                    `(label ${LABEL_RETAIN_ON_DELETE}="true" missing); declare it with the retainOnDelete resource option ` +
                    "and that label so a destroy or replacement keeps the data.",
                    volume.urn);
            }
        }
    },
};
