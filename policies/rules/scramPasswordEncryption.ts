import { ResourceValidationPolicy } from "@pulumi/policy";
import { inSource, serverSettingsOf } from "../lib/serverSettings";
import { effectiveSetting } from "../lib/settings";
import { isKnown, quote } from "../lib/values";

// MD5 verifiers are password-equivalent for the MD5 handshake and are deprecated since PG 18.
// With `ha: patroni` the setting is in the configurations Patroni starts its members with.
export const scramPasswordEncryption: ResourceValidationPolicy = {
    name: "scram-password-encryption",
    description: "password_encryption is scram-sha-256 (PostgreSQL 17's default) on every node.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const source = serverSettingsOf(args);
        if (!isKnown(source)) {
            return;
        }
        const value = effectiveSetting(source.settings, "password_encryption").trim();
        if (value.toLowerCase() !== "scram-sha-256") {
            reportViolation(inSource(source,
                `password_encryption is ${quote(value)}; set password_encryption=scram-sha-256 so passwords are stored ` +
                "as SCRAM verifiers, not MD5 hashes."));
        }
    },
};
