import { ResourceValidationPolicy } from "@pulumi/policy";
import { databaseContainer, dataMountOf, pgdataOf } from "../lib/container";
import { isKnown, quote } from "../lib/values";

// Data in the container's own layer or in an anonymous volume is gone when Pulumi replaces the
// container (any image or command change does). A host path ties the data to one host's
// directory layout and ownership, outside Docker's and Pulumi's view.
export const dataInNamedVolume: ResourceValidationPolicy = {
    name: "data-in-named-volume",
    description: "The PostgreSQL data directory (PGDATA) is on a named Docker volume, not a host path or the container layer.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const props = databaseContainer(args);
        const pgdata = pgdataOf(props);
        if (!isKnown(pgdata)) {
            return;
        }
        const mount = dataMountOf(props, pgdata);
        if (!isKnown(mount)) {
            return;
        }
        if (mount === undefined) {
            reportViolation(
                `The data directory ${pgdata} is not on a volume; mount a named volume at ${pgdata} or a parent ` +
                "(volumes: [{volumeName, containerPath}]) so the data survives replacing the container.");
        } else if (mount.hostPath !== undefined) {
            reportViolation(
                `The data directory ${pgdata} is on host path ${quote(mount.hostPath)} (mounted at ${mount.containerPath}); ` +
                "use a named Docker volume instead.");
        } else if (mount.volumeName === undefined) {
            reportViolation(
                `The data directory ${pgdata} is on an anonymous volume (mounted at ${mount.containerPath} without a volumeName), ` +
                "which is lost when the container is replaced; give it a named volume.");
        }
    },
};
