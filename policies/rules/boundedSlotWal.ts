import { ResourceValidationPolicy } from "@pulumi/policy";
import { inSource, serverSettingsOf } from "../lib/serverSettings";
import { parsePgSizeMb } from "../lib/settings";
import { isKnown, quote } from "../lib/values";

// A slot keeps WAL until its replica has it. Unbounded (-1, the default), one replica that is
// down long enough fills the primary's disk and stops the primary too; with a bound, the slot is
// invalidated instead and only that replica needs re-seeding. Patroni keeps a slot for every
// member (use_slots), so the same holds under `ha: patroni`, in the configurations it starts the
// members with.
export const boundedSlotWal: ResourceValidationPolicy = {
    name: "bounded-slot-wal",
    description: "max_slot_wal_keep_size is set and bounded on every PostgreSQL node.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const source = serverSettingsOf(args);
        if (!isKnown(source)) {
            return;
        }
        const reportViolation = (message: string) => report(inSource(source, message));
        const raw = source.settings.get("max_slot_wal_keep_size");
        if (raw === undefined) {
            const how = source.where === undefined
                ? "pass -c max_slot_wal_keep_size=<size>, e.g. 1GB"
                : "set max_slot_wal_keep_size in postgresql.parameters, e.g. 1GB";
            reportViolation(
                "max_slot_wal_keep_size is not set, so PostgreSQL's default -1 lets a lagging or lost replica's slot " +
                `keep WAL until the primary's disk is full; ${how}.`);
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
