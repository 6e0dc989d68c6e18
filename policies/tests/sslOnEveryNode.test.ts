import { describe, it } from "node:test";
import { sslOnEveryNode } from "../rules/sslOnEveryNode";
import { COMMAND, confStepProps, containerProps, CONTAINER, removeSetting, setSetting } from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, resourceArgs } from "./util";

describe("ssl-on-every-node", () => {
    const policy = sslOnEveryNode;
    const node = (change: (props: Record<string, any>) => void = () => {}) => {
        const props = containerProps("pg1");
        change(props);
        return resourceArgs(CONTAINER, props);
    };
    const notSet = (setting: string, what: string) =>
        `ssl is on but ${setting} is not set, so the server looks for its ${what} in the data directory; ` +
        `set ${setting} to the node's own ${what}, kept outside the data directory.`;
    const tooOld = (version: string) =>
        `ssl_min_protocol_version is "${version}"; set it to TLSv1.2 or TLSv1.3 (TLS 1.0 and 1.1 are broken and deprecated).`;

    it("passes ssl=on with the node's certificate and key and TLSv1.2 at least", async () => {
        await assertNoViolations(policy, node());
    });

    it("passes TLSv1.3", async () => {
        await assertNoViolations(policy, node((p) => setSetting(p, "ssl_min_protocol_version", "TLSv1.3")));
    });

    it("passes PostgreSQL 17's default minimum, TLSv1.2", async () => {
        await assertNoViolations(policy, node((p) => removeSetting(p, "ssl_min_protocol_version")));
    });

    it("passes ssl given as another boolean spelling", async () => {
        await assertNoViolations(policy, node((p) => setSetting(p, "ssl", "true")));
    });

    it("reports ssl=off", async () => {
        await assertHasViolation(policy, node((p) => setSetting(p, "ssl", "off")),
            "ssl is \"off\", so logins, queries and replicated WAL cross the network in clear; set ssl=on with ssl_cert_file " +
            "and ssl_key_file naming the node's certificate and key.");
    });

    it("reports ssl left at PostgreSQL's default, off", async () => {
        await assertHasViolation(policy, node((p) => removeSetting(p, "ssl")),
            "ssl is \"off\", so logins, queries and replicated WAL cross the network in clear; set ssl=on with ssl_cert_file " +
            "and ssl_key_file naming the node's certificate and key.");
    });

    it("reports a missing ssl_cert_file", async () => {
        await assertHasViolation(policy, node((p) => removeSetting(p, "ssl_cert_file")), notSet("ssl_cert_file", "certificate"));
    });

    it("reports an empty ssl_key_file", async () => {
        await assertHasViolation(policy, node((p) => setSetting(p, "ssl_key_file", "")), notSet("ssl_key_file", "key"));
    });

    it("reports TLSv1.1", async () => {
        await assertHasViolation(policy, node((p) => setSetting(p, "ssl_min_protocol_version", "TLSv1.1")), tooOld("TLSv1.1"));
    });

    it("reports an empty ssl_min_protocol_version (no minimum)", async () => {
        await assertHasViolation(policy, node((p) => setSetting(p, "ssl_min_protocol_version", "")), tooOld(""));
    });

    it("does not apply to a conf step", async () => {
        await assertNotApplicable(policy, resourceArgs(COMMAND, confStepProps("pg1")));
    });
});
