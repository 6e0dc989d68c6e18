import { ResourceValidationPolicy } from "@pulumi/policy";
import { databaseContainer, settingsOf } from "../lib/container";
import { parsePgSizeMb } from "../lib/settings";
import { isKnown, quote } from "../lib/values";

// A slot keeps WAL until its replica has it. Unbounded (-1, the default), one replica that is
// down long enough fills the primary's disk and stops the primary too; with a bound, the slot is
// invalidated instead and only that replica needs re-seeding.
export const boundedSlotWal: ResourceValidationPolicy = {
    name: "bounded-slot-wal",
    description: "max_slot_wal_keep_size is set and bounded on every PostgreSQL node.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const settings = settingsOf(databaseContainer(args));
        if (!isKnown(settings)) {
            return;
        }
        const raw = settings.get("max_slot_wal_keep_size");
        if (raw === undefined) {
            reportViolation(
                "max_slot_wal_keep_size is not set, so PostgreSQL's default -1 lets a lagging or lost replica's slot " +
                "keep WAL until the primary's disk is full; pass -c max_slot_wal_keep_size=<size>, e.g. 1GB.");
            return;
        }
        const mb = parsePgSizeMb(raw);
        if (mb === undefined || (mb < 0 && mb !== -1)) {
            reportViolation(`max_slot_wal_keep_size ${quote(raw)} is not a valid size; use e.g. 1GB.`);
        } else if (mb === -1) {
            reportViolation(
                "max_slot_wal_keep_size is -1 (unbounded): a lagging or lost replica's slot can keep WAL " +
                "until the primary's disk is full; set a bound such as 1GB.");
        }
    },
};
