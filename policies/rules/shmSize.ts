import { ResourceValidationPolicy } from "@pulumi/policy";
import { databaseContainer } from "../lib/container";
import { isKnown, read } from "../lib/values";

export interface ShmSizeConfig {
    /** Smallest acceptable /dev/shm in MB. */
    minShmSizeMb?: number;
}

const DEFAULT_MIN_SHM_MB = 128;

// PostgreSQL's dynamic shared memory lives in /dev/shm; Docker gives containers 64 MB, and
// parallel queries then fail with "could not resize shared memory segment".
export const shmSize: ResourceValidationPolicy = {
    name: "shm-size",
    description: "PostgreSQL containers get a /dev/shm (shmSize) of at least 128 MB.",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            minShmSizeMb: {
                type: "integer",
                minimum: 1,
                default: DEFAULT_MIN_SHM_MB,
                description: "Smallest acceptable shmSize in MB.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const props = databaseContainer(args);
        const min = args.getConfig<ShmSizeConfig>().minShmSizeMb ?? DEFAULT_MIN_SHM_MB;
        const size = read(() => props.shmSize);
        if (!isKnown(size)) {
            return;
        }
        if (size === undefined || size === null) {
            reportViolation(
                "shmSize is not set, so /dev/shm is Docker's default 64 MB and parallel queries can fail with " +
                `"could not resize shared memory segment"; set shmSize to at least ${min} (MB).`);
        } else if (!(Number(size) >= min)) {
            reportViolation(`shmSize is ${size} MB; set it to at least ${min} MB (PostgreSQL's parallel queries use /dev/shm).`);
        }
    },
};
