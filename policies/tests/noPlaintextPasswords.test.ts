import { describe, it } from "node:test";
import { noPlaintextPasswords } from "../rules/noPlaintextPasswords";
import {
    CA_CERTIFICATE, COMMAND, confStepProps, containerProps, CONTAINER, containerWithUploads, etcdConfig, exporterProps, memberConfStepProps,
    MONITORING_PASSWORD, passwordGeneratorProps, patroniMemberConfWith, primaryStepProps, REST_API_PASSWORD, SECRETS_END, seedStepProps, setEnv,
    slotStepProps, VOLUME, volumeProps,
} from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, resourceArgs } from "./util";

describe("no-plaintext-passwords", () => {
    const policy = noPlaintextPasswords;
    const container = (props: Record<string, any>) => resourceArgs(CONTAINER, props);
    const command = (props: Record<string, any>) => resourceArgs(COMMAND, props);

    describe("containers", () => {
        it("passes the program's node container, which carries no password", async () => {
            await assertNoViolations(policy, container(containerProps("pg0")));
        });

        it("passes POSTGRES_PASSWORD_FILE with the password uploaded under /run/secrets/", async () => {
            await assertNoViolations(policy, container(containerWithUploads("pg0")));
        });

        it("passes the exporter, whose password is in a file named by DATA_SOURCE_PASS_FILE", async () => {
            await assertNoViolations(policy, container(exporterProps("pg1")));
        });

        it("reports the exporter's DATA_SOURCE_PASS", async () => {
            const props = exporterProps("pg1");
            setEnv(props, "DATA_SOURCE_PASS", MONITORING_PASSWORD);
            await assertHasViolation(policy, container(props),
                "Container env DATA_SOURCE_PASS holds a password in plain text; upload the password as a file under " +
                "/run/secrets/ and set DATA_SOURCE_PASS_FILE instead.");
        });

        it("reports the content of the file DATA_SOURCE_PASS_FILE names copied into a variable", async () => {
            const props = exporterProps("pg1");
            setEnv(props, "PGC_TOKEN", MONITORING_PASSWORD);
            await assertHasViolation(policy, container(props),
                "Container env PGC_TOKEN contains the content of /etc/pg-cluster/monitoring-password; read the file instead of " +
                "copying the password.");
        });

        it("reports POSTGRES_PASSWORD", async () => {
            const props = containerProps("pg0");
            setEnv(props, "POSTGRES_PASSWORD", "hunter2hunter2");
            await assertHasViolation(policy, container(props),
                "Container env POSTGRES_PASSWORD holds a password in plain text; upload the password as a file under " +
                "/run/secrets/ and set POSTGRES_PASSWORD_FILE instead.");
        });

        it("reports any other *PASSWORD variable", async () => {
            const props = containerProps("pg0");
            setEnv(props, "PGC_REPLICATION_PASSWORD", "hunter2hunter2");
            await assertHasViolation(policy, container(props),
                "Container env PGC_REPLICATION_PASSWORD holds a password in plain text; upload the password as a file under " +
                "/run/secrets/ and set PGC_REPLICATION_PASSWORD_FILE instead.");
        });

        it("reports a connection URI with a password in another variable", async () => {
            const props = containerProps("pg0");
            setEnv(props, "DATABASE_URL", "postgresql://app:hunter2@pg0:5432/app");
            await assertHasViolation(policy, container(props),
                "Container env DATABASE_URL contains a plaintext password (postgresql://user:…@); read it from a file under /run/secrets/ instead.");
        });

        it("reports the content of a secret file copied into a variable", async () => {
            const props = containerWithUploads("pg0");
            setEnv(props, "PGC_TOKEN", "s3cr3t-superuser-password");
            await assertHasViolation(policy, container(props),
                "Container env PGC_TOKEN contains the content of /run/secrets/postgres-password; read the file instead of copying the password.");
        });

        it("reports a password on the server's command line", async () => {
            const props = containerProps("pg1");
            props.command.push("-c", "primary_conninfo=host=pg0 user=replicator password=hunter2");
            await assertHasViolation(policy, container(props),
                `Container command argument ${props.command.length - 1} contains a plaintext password (password=…); ` +
                "the server's command line is visible in ps and docker inspect, so use a password file.");
        });

        it("reports the content of a secret file on the command line", async () => {
            const props = containerWithUploads("pg0");
            props.command.push("-c", "application_name=s3cr3t-superuser-password");
            await assertHasViolation(policy, container(props),
                `Container command argument ${props.command.length - 1} contains the content of /run/secrets/postgres-password; ` +
                "use the file instead.");
        });
    });

    describe("command steps", () => {
        it("passes the slot step", async () => {
            await assertNoViolations(policy, command(slotStepProps()));
        });

        it("passes a standby's seed step, which reads the passwords from stdin", async () => {
            await assertNoViolations(policy, command(seedStepProps("pg1", "replica")));
        });

        it("passes the primary's seed step, whose init script reads the passwords from stdin", async () => {
            await assertNoViolations(policy, command(seedStepProps("pg0", "primary")));
        });

        it("passes the primary step, which reads the passwords from stdin", async () => {
            await assertNoViolations(policy, command(primaryStepProps()));
        });

        it("reports an SQL PASSWORD literal in the primary seed's init script", async () => {
            const props = seedStepProps("pg0", "primary");
            props.environment.PGC_INIT_SCRIPT += "psql -c \"ALTER ROLE replicator PASSWORD 'hunter2'\"\n";
            await assertHasViolation(policy, command(props),
                "Command environment variable PGC_INIT_SCRIPT contains a plaintext password (PASSWORD '…'); pass the password on stdin instead.");
        });

        it("passes the password generator with logging none", async () => {
            await assertNoViolations(policy, command(passwordGeneratorProps()));
        });

        it("passes a password read from a file in a script", async () => {
            const props = slotStepProps();
            props.create = "PGPASSWORD=\"$(cat /run/secrets/replication-password)\" psql -h pg0 -c 'SELECT 1'\n";
            await assertNoViolations(policy, command(props));
        });

        it("reports PGPASSWORD=… in a create script", async () => {
            const props = slotStepProps();
            props.create = "PGPASSWORD=hunter2 psql -h pg0 -c 'SELECT 1'\n";
            await assertHasViolation(policy, command(props),
                "Command create script contains a plaintext password (PGPASSWORD=…); pass the password on stdin instead.");
        });

        it("passes a conninfo whose password a printf conversion fills from an argument", async () => {
            const props = slotStepProps();
            props.create = "printf 'host=%s user=%s password=%s' \"$host\" \"$user\" \"$password\" >conninfo\n";
            await assertNoViolations(policy, command(props));
        });

        it("reports a password that merely starts with a percent sign", async () => {
            const props = slotStepProps();
            props.create = "psql 'host=pg0 user=replicator password=%secret'\n";
            await assertHasViolation(policy, command(props),
                "Command create script contains a plaintext password (password=…); pass the password on stdin instead.");
        });

        it("reports a connection URI with a password in a delete script", async () => {
            const props = slotStepProps();
            props.delete = "psql 'postgresql://replicator:hunter2@pg0/postgres' -c 'SELECT 1'\n";
            await assertHasViolation(policy, command(props),
                "Command delete script contains a plaintext password (postgresql://user:…@); pass the password on stdin instead.");
        });

        it("reports an SQL PASSWORD literal in a script", async () => {
            const props = slotStepProps();
            props.create = "psql -c \"ALTER ROLE replicator PASSWORD 'hunter2'\"\n";
            await assertHasViolation(policy, command(props),
                "Command create script contains a plaintext password (PASSWORD '…'); pass the password on stdin instead.");
        });

        it("passes a conf step, whose CA certificate on stdin is public and whose PEM armour is in its script", async () => {
            await assertNoViolations(policy, command(confStepProps("pg1")));
        });

        it("reports the CA key a conf step takes on stdin copied into its environment", async () => {
            const props = confStepProps("pg1");
            const keyLine = String(props.stdin).split("\n")[1];
            props.environment.PGC_CA_BUNDLE = CA_CERTIFICATE + keyLine + "\n";
            await assertHasViolation(policy, command(props),
                "Command environment variable PGC_CA_BUNDLE contains a password given on stdin; read it from stdin instead.");
        });

        it("reports one of the stdin passwords copied into a script", async () => {
            const props = seedStepProps("pg1", "replica");
            props.create += "echo s3cr3t-replication-password > /dev/null\n";
            await assertHasViolation(policy, command(props),
                "Command create script contains a password given on stdin; read it from stdin instead.");
        });

        it("reports a password variable in the environment", async () => {
            const props = seedStepProps("pg1", "replica");
            props.environment.PGC_REPLICATION_PASSWORD = "hunter2hunter2";
            await assertHasViolation(policy, command(props),
                "Command environment variable PGC_REPLICATION_PASSWORD holds a password; pass the password on stdin instead.");
        });

        it("reports a conninfo with a password in the environment", async () => {
            const props = seedStepProps("pg1", "replica");
            props.environment.PGC_PRIMARY_CONNINFO = "host=pg0 user=replicator password=hunter2";
            await assertHasViolation(policy, command(props),
                "Command environment variable PGC_PRIMARY_CONNINFO contains a plaintext password (password=…); " +
                "pass the password on stdin instead.");
        });

        it("reports one of the stdin passwords copied into the environment", async () => {
            const props = seedStepProps("pg1", "replica");
            props.environment.PGC_SECRET = "s3cr3t-replication-password";
            await assertHasViolation(policy, command(props),
                "Command environment variable PGC_SECRET contains a password given on stdin; read it from stdin instead.");
        });

        it("reports a password generator that logs its output", async () => {
            const props = passwordGeneratorProps();
            props.logging = "stdoutAndStderr";
            await assertHasViolation(policy, command(props),
                "The password generator's output is logged (logging \"stdoutAndStderr\"); " +
                "set logging: \"none\" so the generated password never reaches the Pulumi log.");
        });

        it("reports a password generator with the default logging", async () => {
            const props = passwordGeneratorProps();
            delete props.logging;
            await assertHasViolation(policy, command(props),
                "The password generator's output is logged (logging not set, so stdoutAndStderr); " +
                "set logging: \"none\" so the generated password never reaches the Pulumi log.");
        });

        it("passes a password generator that logs only stderr", async () => {
            const props = passwordGeneratorProps();
            props.logging = "stderr";
            await assertNoViolations(policy, command(props));
        });
    });

    it("does not apply to volumes", async () => {
        await assertNotApplicable(policy, resourceArgs(VOLUME, volumeProps()));
    });
});

describe("no-plaintext-passwords with ha: patroni", () => {
    const policy = noPlaintextPasswords;
    const command = (props: Record<string, any>) => resourceArgs(COMMAND, props);

    it("passes a Patroni member's member-conf step: its passwords only in the secrets file on stdin", async () => {
        await assertNoViolations(policy, command(patroniMemberConfWith("pg1")));
    });

    it("passes an etcd member's member-conf step, whose stdin has no secrets file, only the end marker and the CA", async () => {
        await assertNoViolations(policy, command(memberConfStepProps("etcd0", etcdConfig("etcd0"))));
    });

    it("reports a password in the Patroni configuration (PGC_CONFIG, kept in the state in clear)", async () => {
        await assertHasViolation(policy,
            command(patroniMemberConfWith("pg1", (c) => (c.restapi.authentication = { username: "patroni", password: "hunter2hunter2" }))),
            "Command environment variable PGC_CONFIG contains a plaintext password (\"password\": \"…\"); pass the password on stdin instead.");
    });

    it("reports the REST API's password from the secrets file copied into the script", async () => {
        const props = patroniMemberConfWith("pg1");
        props.create += `curl -u patroni:${REST_API_PASSWORD} https://localhost:8008/config\n`;
        await assertHasViolation(policy, command(props), "Command create script contains a password given on stdin; read it from stdin instead.");
    });

    it("counts every line of a secrets file that is not JSON as a secret", async () => {
        const props = patroniMemberConfWith("pg1");
        props.stdin = `restapi-password ${REST_API_PASSWORD}\n${SECRETS_END}\n${CA_CERTIFICATE}`;
        props.environment.PGC_NOTE = `restapi-password ${REST_API_PASSWORD}`;
        await assertHasViolation(policy, command(props),
            "Command environment variable PGC_NOTE contains a password given on stdin; read it from stdin instead.");
    });

    it("still holds the control-plane CA's key after the end marker secret", async () => {
        const props = memberConfStepProps("etcd0", etcdConfig("etcd0"));
        props.environment.PGC_CA_KEY = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49controlPlaneCAKey";
        await assertHasViolation(policy, command(props),
            "Command environment variable PGC_CA_KEY contains a password given on stdin; read it from stdin instead.");
    });
});
