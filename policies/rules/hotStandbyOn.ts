import { ResourceValidationPolicy } from "@pulumi/policy";
import { databaseContainer, settingsOf } from "../lib/container";
import { effectiveSetting, parsePgBool } from "../lib/settings";
import { isKnown, quote } from "../lib/values";

// With hot_standby off a standby accepts no connection at all: pg_isready health checks fail,
// `wait: true` times out and reads cannot be offloaded. Checked on every node, since a primary
// becomes a standby after a failover.
export const hotStandbyOn: ResourceValidationPolicy = {
    name: "hot-standby-on",
    description: "hot_standby is on, so standbys accept read-only connections and health checks.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        const settings = settingsOf(databaseContainer(args));
        if (!isKnown(settings)) {
            return;
        }
        const raw = effectiveSetting(settings, "hot_standby");
        const on = parsePgBool(raw);
        if (on === undefined) {
            reportViolation(`hot_standby ${quote(raw)} is not a boolean; set hot_standby=on.`);
        } else if (!on) {
            reportViolation(
                "hot_standby is off, so a standby refuses every connection (health checks fail, no read-only queries); " +
                "set hot_standby=on.");
        }
    },
};
