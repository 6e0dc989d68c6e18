import { describe, it } from "node:test";
import { pgHbaTlsOnly } from "../rules/pgHbaTlsOnly";
import { COMMAND, confStepProps, containerProps, CONTAINER, containerWithUploads, HBA_FILE, PG_HBA, seedStepProps, uploadOf } from "./builders";
import { assertHasViolation, assertHasViolations, assertNoViolations, assertNotApplicable, resourceArgs, UNKNOWN_STRING } from "./util";

describe("pg-hba-tls-only", () => {
    const policy = pgHbaTlsOnly;
    const WHERE = "PGC_HBA of conf step pg1-conf";
    const conf = (hba: string | undefined) => {
        const props = confStepProps("pg1");
        props.environment.PGC_HBA = hba;
        return resourceArgs(COMMAND, props, { name: "pg1-conf" });
    };
    const lines = PG_HBA.split("\n");
    const withoutLine = (prefix: string) => lines.filter((l) => !l.startsWith(prefix)).join("\n");
    const plain = (line: string, type = "host", where = WHERE) =>
        `pg_hba rule ${JSON.stringify(line)} in ${where} accepts network logins over ${type}, which does not require TLS; ` +
        "make it hostssl (or reject).";
    const noReject = (line: string, replication: boolean) =>
        `${WHERE} has no ${JSON.stringify(line)}; add it so network logins without TLS ${replication ? "for replication " : ""}` +
        "are rejected before any password is asked.";

    it("passes the program's pg_hba.conf with TLS", async () => {
        await assertNoViolations(policy, conf(PG_HBA));
    });

    it("passes a host line that rejects", async () => {
        await assertNoViolations(policy, conf(PG_HBA + "host all all 10.0.0.0/8 reject\n"));
    });

    it("passes local lines, which are no network logins", async () => {
        await assertNoViolations(policy, conf(PG_HBA + "local replication all peer\n"));
    });

    it("reports an accepting host line", async () => {
        const line = "host all all 172.28.0.0/16 scram-sha-256";
        await assertHasViolation(policy, conf(PG_HBA + line + "\n"), plain(line));
    });

    it("reports an accepting hostnossl line", async () => {
        const line = "hostnossl all app 172.28.0.0/16 scram-sha-256";
        await assertHasViolation(policy, conf(PG_HBA + line + "\n"), plain(line, "hostnossl"));
    });

    it("reports an accepting hostgssenc line (GSSAPI encryption checks no certificate)", async () => {
        const line = "hostgssenc all all all gss";
        await assertHasViolation(policy, conf(PG_HBA + line + "\n"), plain(line, "hostgssenc"));
    });

    it("reports a missing hostnossl reject for all databases", async () => {
        await assertHasViolation(policy, conf(withoutLine("hostnossl all")), noReject("hostnossl all all all reject", false));
    });

    it("reports a missing hostnossl reject for replication", async () => {
        await assertHasViolation(policy, conf(withoutLine("hostnossl replication")),
            noReject("hostnossl replication all all reject", true));
    });

    it("does not take a hostnossl reject from one subnet for one covering every address", async () => {
        const hba = withoutLine("hostnossl all") + "hostnossl all all 172.28.0.0/16 reject\n";
        await assertHasViolation(policy, conf(hba), noReject("hostnossl all all all reject", false));
    });

    it("reports the pg_hba.conf the program writes without TLS", async () => {
        const hba = lines.filter((l) => !l.startsWith("hostnossl")).map((l) => l.replace(/^hostssl/, "host   ")).join("\n");
        await assertHasViolations(policy, conf(hba), [
            noReject("hostnossl all all all reject", false),
            noReject("hostnossl replication all all reject", true),
            plain("host    replication  replicator  172.28.0.0/16    scram-sha-256"),
            plain("host    postgres     replicator  172.28.0.0/16    scram-sha-256"),
            plain("host    all          all         all              scram-sha-256"),
        ]);
    });

    it("leaves a conf step without PGC_HBA to pg-hba-on-every-node", async () => {
        await assertNoViolations(policy, conf(undefined));
    });

    it("skips a conf step whose environment is unknown during preview", async () => {
        await assertNoViolations(policy, resourceArgs(COMMAND, { ...confStepProps("pg1"), environment: UNKNOWN_STRING }));
    });

    it("does not apply to other steps", async () => {
        await assertNotApplicable(policy, resourceArgs(COMMAND, seedStepProps("pg0", "primary")));
    });

    it("passes the program's node container, which uploads nothing", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, containerProps("pg1")));
    });

    it("reports an accepting host line in an uploaded pg_hba.conf", async () => {
        const props = containerWithUploads("pg0");
        uploadOf(props, HBA_FILE).content += "host all all 10.0.0.0/8 scram-sha-256\n";
        await assertHasViolation(policy, resourceArgs(CONTAINER, props), plain("host all all 10.0.0.0/8 scram-sha-256", "host", HBA_FILE));
    });
});
