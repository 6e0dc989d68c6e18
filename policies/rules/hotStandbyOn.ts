import { ResourceValidationPolicy } from "@pulumi/policy";
import { inSource, serverSettingsOf } from "../lib/serverSettings";
import { effectiveSetting, parsePgBool } from "../lib/settings";
import { isKnown, quote } from "../lib/values";

// With hot_standby off a standby accepts no connection at all: pg_isready health checks fail,
// `wait: true` times out and reads cannot be offloaded. Checked on every node, since a primary
// becomes a standby after a failover. Patroni refuses any hot_standby but on (it passes it on
// the command line itself), so its configurations never draw this.
export const hotStandbyOn: ResourceValidationPolicy = {
    name: "hot-standby-on",
    description: "hot_standby is on, so standbys accept read-only connections and health checks.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        const source = serverSettingsOf(args);
        if (!isKnown(source)) {
            return;
        }
        const raw = effectiveSetting(source.settings, "hot_standby");
        const on = parsePgBool(raw);
        if (on === undefined) {
            reportViolation(inSource(source, `hot_standby ${quote(raw)} is not a boolean; set hot_standby=on.`));
        } else if (!on) {
            reportViolation(inSource(source,
                "hot_standby is off, so a standby refuses every connection (health checks fail, no read-only queries); " +
                "set hot_standby=on."));
        }
    },
};
