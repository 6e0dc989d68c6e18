import { describe, it } from "node:test";
import { sslOnEveryNode } from "../rules/sslOnEveryNode";
import {
    COMMAND, confStepProps, containerProps, CONTAINER, dcsConfigStepWith, etcdConfig, etcdContainerProps, IN_DCS_CONFIG, inMemberConfig,
    memberConfStepProps, patroniContainerProps, patroniMemberConfWith, removeSetting, setSetting,
} from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, resourceArgs, UNKNOWN_STRING } from "./util";

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

describe("ssl-on-every-node with ha: patroni", () => {
    const policy = sslOnEveryNode;
    const dcs = (change: (dcs: Record<string, any>) => void = () => {}) =>
        resourceArgs(COMMAND, dcsConfigStepWith(change), { name: "dcs-config" });
    const member = (change: (config: Record<string, any>) => void = () => {}) =>
        resourceArgs(COMMAND, patroniMemberConfWith("pg1", change), { name: "pg1-member-conf" });
    const sslOff = (where: string, value: string) =>
        `${where}, ssl is "${value}", so logins, queries and replicated WAL cross the network in clear; set ssl=on with ` +
        "ssl_cert_file and ssl_key_file naming the node's certificate and key.";

    it("passes the DCS configuration, with ssl on and the node's certificate and key", async () => {
        await assertNoViolations(policy, dcs());
    });

    it("passes a member's configuration (its bootstrap.dcs)", async () => {
        await assertNoViolations(policy, member());
    });

    it("does not apply to a Patroni member's container, whose command carries no setting", async () => {
        await assertNotApplicable(policy, resourceArgs(CONTAINER, patroniContainerProps("pg1")));
    });

    it("does not apply to an etcd member's container nor to its configuration", async () => {
        await assertNotApplicable(policy, resourceArgs(CONTAINER, etcdContainerProps("etcd0")));
        await assertNotApplicable(policy, resourceArgs(COMMAND, memberConfStepProps("etcd0", etcdConfig("etcd0"))));
    });

    it("reports ssl off in the DCS configuration", async () => {
        await assertHasViolation(policy, dcs((c) => (c.postgresql.parameters.ssl = "off")), sslOff(IN_DCS_CONFIG, "off"));
    });

    it("reports ssl written as a YAML false", async () => {
        await assertHasViolation(policy, dcs((c) => (c.postgresql.parameters.ssl = false)), sslOff(IN_DCS_CONFIG, "off"));
    });

    it("reports ssl left out of the DCS configuration (PostgreSQL's default is off)", async () => {
        await assertHasViolation(policy, dcs((c) => delete c.postgresql.parameters.ssl), sslOff(IN_DCS_CONFIG, "off"));
    });

    it("reports a member's bootstrap.dcs without ssl_cert_file", async () => {
        await assertHasViolation(policy, member((c) => delete c.bootstrap.dcs.postgresql.parameters.ssl_cert_file),
            `${inMemberConfig("pg1-member-conf")}, ssl is on but ssl_cert_file is not set, so the server looks for its ` +
            "certificate in the data directory; set ssl_cert_file to the node's own certificate, kept outside the data directory.");
    });

    it("reports ssl=off in a member's own postgresql.parameters, which win over the DCS's", async () => {
        await assertHasViolation(policy, member((c) => (c.postgresql.parameters.ssl = "off")), sslOff(inMemberConfig("pg1-member-conf"), "off"));
    });

    it("reports TLSv1.1 as the DCS configuration's minimum", async () => {
        await assertHasViolation(policy, dcs((c) => (c.postgresql.parameters.ssl_min_protocol_version = "TLSv1.1")),
            `${IN_DCS_CONFIG}, ssl_min_protocol_version is "TLSv1.1"; set it to TLSv1.2 or TLSv1.3 (TLS 1.0 and 1.1 are ` +
            "broken and deprecated).");
    });

    it("skips a dcs-config step whose environment is unknown during preview", async () => {
        await assertNoViolations(policy, resourceArgs(COMMAND, { ...dcsConfigStepWith((c) => (c.postgresql.parameters.ssl = "off")), environment: UNKNOWN_STRING }));
    });
});
