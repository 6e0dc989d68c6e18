import { ResourceValidationPolicy } from "@pulumi/policy";
import { databaseContainer, labelsOf } from "../lib/container";
import { ENVIRONMENT_PRODUCTION, LABEL_ENVIRONMENT } from "../lib/types";
import { isKnown, read } from "../lib/values";

// Without a limit one node's runaway sort or hash can push the host into the OOM killer, which
// may pick another node of the same cluster. Docker treats 0 as "no limit".
export const productionMemoryLimit: ResourceValidationPolicy = {
    name: "production-memory-limit",
    description: "In production stacks every PostgreSQL container has a memory limit.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const props = databaseContainer(args);
        if (labelsOf(props).get(LABEL_ENVIRONMENT) !== ENVIRONMENT_PRODUCTION) {
            return;
        }
        const memory = read(() => props.memory);
        if (isKnown(memory) && !(Number(memory) > 0)) {
            reportViolation(
                "Production PostgreSQL container has no memory limit; set memory (MB) so one node cannot exhaust " +
                "the host's memory and take the other nodes down with it.");
        }
    },
};
