import { describe, it } from "node:test";
import { noNetworkSuperuserLogin } from "../rules/noNetworkSuperuserLogin";
import {
    COMMAND, confStepProps, containerProps, CONTAINER, containerWithUploads, HBA_FILE, PG_HBA, seedStepProps, setEnv, SUBNET, uploadOf,
} from "./builders";
import { assertHasViolation, assertHasViolations, assertNoViolations, assertNotApplicable, resourceArgs, UNKNOWN_STRING } from "./util";

describe("no-network-superuser-login", () => {
    const policy = noNetworkSuperuserLogin;
    const WHERE = "PGC_HBA of conf step pg1-conf";
    const conf = (hba: string, superuser?: string) => {
        const props = confStepProps("pg1");
        props.environment.PGC_HBA = hba;
        if (superuser !== undefined) {
            props.environment.PGC_SUPERUSER = superuser;
        }
        return resourceArgs(COMMAND, props, { name: "pg1-conf" });
    };
    const lines = PG_HBA.split("\n");
    const REJECT = "hostssl all          postgres    all              reject";
    const GENERAL = "hostssl all          all         all              scram-sha-256";
    /** The program's pg_hba.conf with `line` put just before the superuser's reject (or in its place). */
    const before = (line: string, replace = false) =>
        lines.flatMap((l) => (l === REJECT ? (replace ? [line] : [line, l]) : [l])).join("\n");
    const withoutReject = () => lines.filter((l) => l !== REJECT).join("\n");
    const admits = (line: string, superuser = "postgres", where = WHERE, type = line.split(/\s+/)[0]) =>
        `pg_hba rule ${JSON.stringify(line)} in ${where} lets the superuser ${JSON.stringify(superuser)} log in over the network, ` +
        `and no line before it rejects the superuser; put ${JSON.stringify(`${type} all ${superuser} all reject`)} above it ` +
        "(the superuser administers through docker exec and the local socket, never over the network).";
    const mayAdmit = (line: string, users: string) =>
        `pg_hba rule ${JSON.stringify(line)} in ${WHERE} may let the superuser "postgres" log in over the network (should ${users} ` +
        "include it), and no line before it rejects the superuser; put \"hostssl all postgres all reject\" above it " +
        "(the superuser administers through docker exec and the local socket, never over the network).";

    it("passes the program's pg_hba.conf, which rejects the superuser before the general line", async () => {
        await assertNoViolations(policy, conf(PG_HBA));
    });

    it("passes the pg_hba.conf the program writes without TLS", async () => {
        const hba = lines.filter((l) => !l.startsWith("hostnossl")).map((l) => l.replace(/^hostssl/, "host   ")).join("\n");
        await assertNoViolations(policy, conf(hba));
    });

    it("passes the replication role's line to the postgres database (pg_rewind), which is not the superuser", async () => {
        await assertNoViolations(policy, conf(before(`hostssl postgres replicator ${SUBNET} scram-sha-256`)));
    });

    it("passes replication lines for every user: walsenders are replication-role-not-superuser's business", async () => {
        await assertNoViolations(policy, conf(withoutReject().replace(GENERAL, `hostssl replication all ${SUBNET} scram-sha-256`)));
    });

    it("passes local lines, which are no network logins", async () => {
        await assertNoViolations(policy, conf(withoutReject().replace(GENERAL, "local all postgres peer")));
    });

    it("reports the general line when nothing rejects the superuser", async () => {
        await assertHasViolation(policy, conf(withoutReject()), admits(GENERAL));
    });

    it("reports a line naming the superuser before its reject", async () => {
        const line = `hostssl all postgres ${SUBNET} scram-sha-256`;
        await assertHasViolation(policy, conf(before(line)), admits(line));
    });

    it("reports a user list that contains the superuser", async () => {
        const line = "hostssl all app,postgres all scram-sha-256";
        await assertHasViolation(policy, conf(before(line)), admits(line));
    });

    it("reports a line for one database only", async () => {
        const line = `hostssl postgres all ${SUBNET} scram-sha-256`;
        await assertHasViolation(policy, conf(before(line)), admits(line));
    });

    it("reports a line for replication and other databases", async () => {
        const line = `hostssl replication,postgres all ${SUBNET} scram-sha-256`;
        await assertHasViolation(policy, conf(before(line)), admits(line));
    });

    it("reports a +group, which may hold the superuser", async () => {
        const line = "hostssl all +admins all scram-sha-256";
        await assertHasViolation(policy, conf(before(line)), mayAdmit(line, "+admins"));
    });

    it("reports an @file, whose names the pack cannot see", async () => {
        const line = "hostssl all @admins.txt all scram-sha-256";
        await assertHasViolation(policy, conf(before(line)), mayAdmit(line, "@admins.txt"));
    });

    it("reports a regular expression that matches the superuser", async () => {
        const line = "hostssl all /^post all scram-sha-256";
        await assertHasViolation(policy, conf(before(line)), admits(line));
    });

    it("passes a regular expression that does not match the superuser", async () => {
        await assertNoViolations(policy, conf(before("hostssl all /^app_ all scram-sha-256")));
    });

    it("passes a line that rejects the superuser from every address for every transport", async () => {
        await assertNoViolations(policy, conf(before("host all postgres all reject", true)));
    });

    it("does not take a reject for one subnet for a reject from every address", async () => {
        await assertHasViolation(policy, conf(before(`hostssl all postgres ${SUBNET} reject`, true)), admits(GENERAL));
    });

    it("does not take a reject for one database for one for every database", async () => {
        await assertHasViolation(policy, conf(before("hostssl postgres postgres all reject", true)), admits(GENERAL));
    });

    it("does not take a reject for a group for one that surely matches the superuser", async () => {
        await assertHasViolation(policy, conf(before("hostssl all +admins all reject", true)), admits(GENERAL));
    });

    it("does not take a hostnossl reject for one that covers TLS connections", async () => {
        await assertHasViolation(policy, conf(before("hostnossl all postgres all reject", true)), admits(GENERAL));
    });

    it("takes the hostnossl reject for all users as settling connections without TLS", async () => {
        await assertNoViolations(policy, conf(before("hostgssenc all all all gss")));
    });

    it("reports a host line, which also takes TLS connections, after a reject that covers only those without", async () => {
        const line = "host all all 10.0.0.0/8 scram-sha-256";
        await assertHasViolation(policy, conf(withoutReject().replace(GENERAL, line)), admits(line));
    });

    it("reports every line that admits the superuser", async () => {
        const line = `hostssl all postgres ${SUBNET} scram-sha-256`;
        await assertHasViolations(policy, conf(withoutReject().replace(GENERAL, `${line}\n${GENERAL}`)), [admits(line), admits(GENERAL)]);
    });

    it("takes the superuser's name from PGC_SUPERUSER", async () => {
        await assertHasViolation(policy, conf(PG_HBA, "admin"), admits(GENERAL, "admin"));
    });

    it("skips a conf step whose environment is unknown during preview", async () => {
        await assertNoViolations(policy, resourceArgs(COMMAND, { ...confStepProps("pg1"), environment: UNKNOWN_STRING }));
    });

    it("skips a conf step whose PGC_SUPERUSER is unknown", async () => {
        await assertNoViolations(policy, conf(withoutReject(), UNKNOWN_STRING));
    });

    it("leaves a conf step without PGC_HBA to pg-hba-on-every-node", async () => {
        const props = confStepProps("pg1");
        delete props.environment.PGC_HBA;
        await assertNoViolations(policy, resourceArgs(COMMAND, props));
    });

    it("does not apply to other steps", async () => {
        await assertNotApplicable(policy, resourceArgs(COMMAND, seedStepProps("pg0", "primary")));
    });

    it("passes the program's node container, which uploads nothing", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, containerProps("pg1")));
    });

    describe("a pg_hba.conf a container uploads", () => {
        it("passes one that rejects the superuser", async () => {
            await assertNoViolations(policy, resourceArgs(CONTAINER, containerWithUploads("pg0")));
        });

        it("reports one that does not", async () => {
            const props = containerWithUploads("pg0");
            uploadOf(props, HBA_FILE).content = withoutReject();
            await assertHasViolation(policy, resourceArgs(CONTAINER, props), admits(GENERAL, "postgres", HBA_FILE));
        });

        it("takes the superuser's name from the image's POSTGRES_USER", async () => {
            const props = containerWithUploads("pg0");
            setEnv(props, "POSTGRES_USER", "admin");
            await assertHasViolation(policy, resourceArgs(CONTAINER, props), admits(GENERAL, "admin", HBA_FILE));
        });
    });
});
