import { describe, it } from "node:test";
import { securePgHba } from "../rules/securePgHba";
import { containerProps, CONTAINER, HBA_FILE, INIT_SCRIPT, uploadOf } from "./builders";
import { assertHasViolation, assertHasViolations, assertNoViolations, resourceArgs } from "./util";

describe("secure-pg-hba", () => {
    const policy = securePgHba;
    const withHbaLine = (line: string) => {
        const props = containerProps("pg0");
        uploadOf(props, HBA_FILE).content += line + "\n";
        return resourceArgs(CONTAINER, props);
    };
    const weak = (line: string, method: string, why: string) =>
        `pg_hba rule "${line}" in ${HBA_FILE} uses auth method ${method}, which ${why}; use scram-sha-256 (or peer for local).`;
    const open = (line: string, file = HBA_FILE) =>
        `pg_hba rule ${JSON.stringify(line)} in ${file} accepts replication connections from any address; ` +
        "restrict it to the cluster network's subnet.";

    it("passes the program's pg_hba.conf and init script", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, containerProps("pg0")));
    });

    it("passes a replica, which uploads no pg_hba rules", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, containerProps("pg1")));
    });

    it("reports trust", async () => {
        const line = "local all all trust";
        await assertHasViolation(policy, withHbaLine(line), weak(line, "trust", "accepts connections without any password"));
    });

    it("reports md5", async () => {
        const line = "host all all 172.28.0.0/16 md5";
        await assertHasViolation(policy, withHbaLine(line), weak(line, "md5", "relies on MD5 hashes that are as good as the password"));
    });

    it("reports password", async () => {
        const line = "hostssl all all 172.28.0.0/16 password";
        await assertHasViolation(policy, withHbaLine(line), weak(line, "password", "sends the password in clear text"));
    });

    it("reports replication from 0.0.0.0/0", async () => {
        const line = "host replication replicator 0.0.0.0/0 scram-sha-256";
        await assertHasViolation(policy, withHbaLine(line), open(line));
    });

    it("reports replication from ::/0", async () => {
        const line = "host replication replicator ::/0 scram-sha-256";
        await assertHasViolation(policy, withHbaLine(line), open(line));
    });

    it("reports replication from all", async () => {
        const line = "host replication replicator all scram-sha-256";
        await assertHasViolation(policy, withHbaLine(line), open(line));
    });

    it("reports replication from 0.0.0.0 with mask 0.0.0.0", async () => {
        const line = "host replication replicator 0.0.0.0 0.0.0.0 scram-sha-256";
        await assertHasViolation(policy, withHbaLine(line), open(line));
    });

    it("reports both problems of an open trust replication rule", async () => {
        const line = "host replication all 0.0.0.0/0 trust";
        await assertHasViolations(policy, withHbaLine(line), [
            weak(line, "trust", "accepts connections without any password"),
            open(line),
        ]);
    });

    it("passes a non-replication rule open to every address with scram", async () => {
        await assertNoViolations(policy, withHbaLine("host all all 0.0.0.0/0 scram-sha-256"));
    });

    it("ignores comments", async () => {
        await assertNoViolations(policy, withHbaLine("# host all all all trust"));
    });

    it("reports a rule an init script writes", async () => {
        const props = containerProps("pg0");
        const line = "echo \"host replication all 0.0.0.0/0 scram-sha-256\" >> \"$PGDATA/pg_hba.conf\"";
        uploadOf(props, INIT_SCRIPT).content += line + "\n";
        await assertHasViolation(policy, resourceArgs(CONTAINER, props), open(line, INIT_SCRIPT));
    });

    it("does not take shell tests in an init script for rules", async () => {
        const props = containerProps("pg0");
        uploadOf(props, INIT_SCRIPT).content += "if [ \"$mode\" = host ]; then echo trust; fi\n";
        await assertNoViolations(policy, resourceArgs(CONTAINER, props));
    });

    it("ignores uploads that are neither pg_hba.conf nor init scripts", async () => {
        const props = containerProps("pg0");
        props.uploads.push({ file: "/usr/share/doc/example.txt", content: "host all all all trust\n", executable: false });
        await assertNoViolations(policy, resourceArgs(CONTAINER, props));
    });
});
