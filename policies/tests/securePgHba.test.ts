import { describe, it } from "node:test";
import { securePgHba } from "../rules/securePgHba";
import { COMMAND, confStepProps, containerProps, CONTAINER, containerWithUploads, HBA_FILE, INIT_SCRIPT, seedStepProps, uploadOf } from "./builders";
import { assertHasViolation, assertHasViolations, assertNoViolations, assertNotApplicable, resourceArgs, UNKNOWN_STRING } from "./util";

describe("secure-pg-hba", () => {
    const policy = securePgHba;
    const HBA = "PGC_HBA of conf step pg1-conf";
    const SCRIPT = "PGC_INIT_SCRIPT of seed step pg0-seed";
    const seed = (props: Record<string, any>) => resourceArgs(COMMAND, props, { name: "pg0-seed" });
    const conf = (props: Record<string, any>) => resourceArgs(COMMAND, props, { name: "pg1-conf" });
    const withHbaLine = (line: string) => {
        const props = confStepProps("pg1");
        props.environment.PGC_HBA += line + "\n";
        return conf(props);
    };
    const weak = (line: string, method: string, why: string, where = HBA) =>
        `pg_hba rule "${line}" in ${where} uses auth method ${method}, which ${why}; use scram-sha-256 (or peer for local).`;
    const open = (line: string, where = HBA) =>
        `pg_hba rule ${JSON.stringify(line)} in ${where} accepts replication connections from any address; ` +
        "restrict it to the cluster network's subnet.";

    it("passes the program's pg_hba.conf in a node's conf step", async () => {
        await assertNoViolations(policy, conf(confStepProps("pg1")));
    });

    it("passes the program's init script in the primary's seed step", async () => {
        await assertNoViolations(policy, seed(seedStepProps("pg0", "primary")));
    });

    it("passes the pg_hba.conf the program writes without TLS", async () => {
        const props = confStepProps("pg1");
        props.environment.PGC_HBA = props.environment.PGC_HBA
            .split("\n").filter((l: string) => !l.startsWith("hostnossl")).map((l: string) => l.replace(/^hostssl/, "host   ")).join("\n");
        await assertNoViolations(policy, conf(props));
    });

    it("no longer reads PGC_HBA of a seed step, which installs none", async () => {
        const props = seedStepProps("pg0", "primary");
        props.environment.PGC_HBA = "host all all all trust\n";
        await assertNoViolations(policy, seed(props));
    });

    it("passes a standby's seed step, which installs no pg_hba rules", async () => {
        await assertNoViolations(policy, resourceArgs(COMMAND, seedStepProps("pg1", "replica")));
    });

    it("passes the program's node container, which uploads nothing", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, containerProps("pg0")));
    });

    it("skips a seed step whose environment is unknown during preview", async () => {
        await assertNoViolations(policy, seed({ ...seedStepProps("pg0", "primary"), environment: UNKNOWN_STRING }));
    });

    it("skips a conf step whose environment is unknown during preview", async () => {
        await assertNoViolations(policy, conf({ ...confStepProps("pg1"), environment: UNKNOWN_STRING }));
    });

    it("does not apply to other steps", async () => {
        await assertNotApplicable(policy, resourceArgs(COMMAND, { environment: { PGC_STEP: "passwords", PGC_HBA: "host all all all trust" } }));
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

    it("passes a replication rule from every address that rejects", async () => {
        await assertNoViolations(policy, withHbaLine("host replication all 0.0.0.0/0 reject"));
    });

    it("passes a non-replication rule open to every address with scram", async () => {
        await assertNoViolations(policy, withHbaLine("host all all 0.0.0.0/0 scram-sha-256"));
    });

    it("ignores comments", async () => {
        await assertNoViolations(policy, withHbaLine("# host all all all trust"));
    });

    it("reports a rule the init script writes", async () => {
        const props = seedStepProps("pg0", "primary");
        const line = "echo \"host replication all 0.0.0.0/0 scram-sha-256\" >> \"$partial/pg_hba.conf\"";
        props.environment.PGC_INIT_SCRIPT += line + "\n";
        await assertHasViolation(policy, seed(props), open(line, SCRIPT));
    });

    it("does not take shell tests in the init script for rules", async () => {
        const props = seedStepProps("pg0", "primary");
        props.environment.PGC_INIT_SCRIPT += "if [ \"$mode\" = host ]; then echo trust; fi\n";
        await assertNoViolations(policy, seed(props));
    });

    describe("a container's uploads, should it have the image's entrypoint install pg_hba rules", () => {
        it("passes a good pg_hba.conf and init script", async () => {
            await assertNoViolations(policy, resourceArgs(CONTAINER, containerWithUploads("pg0")));
        });

        it("reports a weak rule in an uploaded pg_hba.conf", async () => {
            const props = containerWithUploads("pg0");
            uploadOf(props, HBA_FILE).content += "host all all 10.0.0.0/8 trust\n";
            await assertHasViolation(policy, resourceArgs(CONTAINER, props),
                weak("host all all 10.0.0.0/8 trust", "trust", "accepts connections without any password", HBA_FILE));
        });

        it("reports a rule an init script writes", async () => {
            const props = containerWithUploads("pg0");
            const line = "echo \"host replication all 0.0.0.0/0 scram-sha-256\" >> \"$PGDATA/pg_hba.conf\"";
            uploadOf(props, INIT_SCRIPT).content += line + "\n";
            await assertHasViolation(policy, resourceArgs(CONTAINER, props), open(line, INIT_SCRIPT));
        });

        it("ignores uploads that are neither pg_hba.conf nor init scripts", async () => {
            const props = containerWithUploads("pg0");
            props.uploads.push({ file: "/usr/share/doc/example.txt", content: "host all all all trust\n", executable: false });
            await assertNoViolations(policy, resourceArgs(CONTAINER, props));
        });
    });
});
