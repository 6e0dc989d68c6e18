import { ResourceValidationPolicy } from "@pulumi/policy";
import { inSource, serverSettingsOf } from "../lib/serverSettings";
import { effectiveSetting, parsePgBool } from "../lib/settings";
import { isKnown, quote } from "../lib/values";

// Without TLS every network login, every query and the WAL a standby streams cross the network
// in clear, and a client cannot tell the node from an impostor. The key and certificate must be
// named: left to their defaults the server looks for server.key/server.crt in the data
// directory, which pg-cluster does not put there (base backups would copy one node's key to
// all). TLS 1.0 and 1.1 are broken and deprecated (RFC 8996). Checked on every node, since any
// node may become the primary; with `ha: patroni`, in the configurations Patroni starts every
// member's server with (the DCS configuration and each member's bootstrap.dcs).
const TLS_VERSIONS = ["tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3"];
const MINIMUM = TLS_VERSIONS.indexOf("tlsv1.2");

export const sslOnEveryNode: ResourceValidationPolicy = {
    name: "ssl-on-every-node",
    description: "Every node runs with ssl=on, an ssl_cert_file and an ssl_key_file, and ssl_min_protocol_version TLSv1.2 or later.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const source = serverSettingsOf(args);
        if (!isKnown(source)) {
            return;
        }
        const settings = source.settings;
        const reportViolation = (message: string) => report(inSource(source, message));
        const ssl = effectiveSetting(settings, "ssl");
        if (parsePgBool(ssl) !== true) {
            reportViolation(
                `ssl is ${quote(ssl)}, so logins, queries and replicated WAL cross the network in clear; set ssl=on ` +
                "with ssl_cert_file and ssl_key_file naming the node's certificate and key.");
            return;
        }
        for (const [setting, what] of [["ssl_cert_file", "certificate"], ["ssl_key_file", "key"]]) {
            if ((settings.get(setting) ?? "").trim() === "") {
                reportViolation(
                    `ssl is on but ${setting} is not set, so the server looks for its ${what} in the data directory; ` +
                    `set ${setting} to the node's own ${what}, kept outside the data directory.`);
            }
        }
        const minimum = effectiveSetting(settings, "ssl_min_protocol_version").trim();
        const version = TLS_VERSIONS.indexOf(minimum.toLowerCase());
        if (version < MINIMUM) {
            reportViolation(
                `ssl_min_protocol_version is ${quote(minimum)}; set it to TLSv1.2 or TLSv1.3 ` +
                "(TLS 1.0 and 1.1 are broken and deprecated).");
        }
    },
};
