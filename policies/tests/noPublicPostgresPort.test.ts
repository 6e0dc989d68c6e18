import { describe, it } from "node:test";
import { noPublicPostgresPort } from "../rules/noPublicPostgresPort";
import { containerProps, CONTAINER, etcdContainerProps, exporterProps, patroniContainerProps, prometheusProps, VOLUME, volumeProps } from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, resourceArgs, UNKNOWN_STRING } from "./util";

describe("no-public-postgres-port", () => {
    const policy = noPublicPostgresPort;
    const args = (props: Record<string, any>, config: object = {}) => resourceArgs(CONTAINER, props, { name: "pg0", config });
    const message = (where: string) =>
        `PostgreSQL port 5432 is published on all interfaces (${where}); ` +
        "bind it to 127.0.0.1 or another specific address, or set allowPublicPorts: true in this policy's config.";

    it("passes the primary's port bound to 127.0.0.1", async () => {
        await assertNoViolations(policy, args(containerProps("pg0")));
    });

    it("passes a replica that publishes nothing", async () => {
        await assertNoViolations(policy, args(containerProps("pg1")));
    });

    it("reports 5432 published on 0.0.0.0", async () => {
        const props = containerProps("pg0");
        props.ports[0].ip = "0.0.0.0";
        await assertHasViolation(policy, args(props), message("ip \"0.0.0.0\""));
    });

    it("reports 5432 published without an ip", async () => {
        const props = containerProps("pg0");
        delete props.ports[0].ip;
        await assertHasViolation(policy, args(props), message("no ip"));
    });

    it("reports 5432 published on an empty ip", async () => {
        const props = containerProps("pg0");
        props.ports[0].ip = "";
        await assertHasViolation(policy, args(props), message("ip \"\""));
    });

    it("reports 5432 published on ::", async () => {
        const props = containerProps("pg0");
        props.ports[0].ip = "::";
        await assertHasViolation(policy, args(props), message("ip \"::\""));
    });

    it("passes 5432 on all interfaces when allowPublicPorts is true", async () => {
        const props = containerProps("pg0");
        props.ports[0].ip = "0.0.0.0";
        await assertNoViolations(policy, args(props, { allowPublicPorts: true }));
    });

    it("passes another internal port published on all interfaces", async () => {
        const props = containerProps("pg0");
        props.ports.push({ internal: 9187, external: 9187, ip: "0.0.0.0" });
        await assertNoViolations(policy, args(props));
    });

    it("skips an ip that is unknown during preview", async () => {
        const props = containerProps("pg0");
        props.ports[0].ip = UNKNOWN_STRING;
        await assertNoViolations(policy, args(props));
    });

    describe("monitoring containers: every published port counts", () => {
        const monitoringMessage = (port: number, of: string, where: string) =>
            `Port ${port} ${of} is published on all interfaces (${where}); bind it to 127.0.0.1 or another specific address ` +
            "(pg-cluster:publishAddress), or set allowPublicPorts: true in this policy's config.";
        const OF_EXPORTER = "of this postgres_exporter, which serves its node's metrics without a login,";

        it("passes the exporter's metrics port bound to 127.0.0.1", async () => {
            await assertNoViolations(policy, args(exporterProps("pg1")));
        });

        it("passes Prometheus's port bound to 127.0.0.1", async () => {
            await assertNoViolations(policy, args(prometheusProps()));
        });

        it("reports the exporter's metrics port on 0.0.0.0", async () => {
            const props = exporterProps("pg1");
            props.ports[0].ip = "0.0.0.0";
            await assertHasViolation(policy, args(props), monitoringMessage(9187, OF_EXPORTER, "ip \"0.0.0.0\""));
        });

        it("reports Prometheus's port published without an ip", async () => {
            const props = prometheusProps();
            delete props.ports[0].ip;
            await assertHasViolation(policy, args(props),
                monitoringMessage(9090, "of this Prometheus, which serves its UI and API without a login,", "no ip"));
        });

        it("reports a port of another kind of monitoring container", async () => {
            const props = prometheusProps();
            props.labels.find((l: { label: string }) => l.label === "pg-cluster.monitoring").value = "grafana";
            props.ports[0] = { internal: 3000, external: 3000, ip: "::" };
            await assertHasViolation(policy, args(props),
                monitoringMessage(3000, "of this monitoring container (pg-cluster.monitoring=grafana)", "ip \"::\""));
        });

        it("passes the exporter's port on all interfaces when allowPublicPorts is true", async () => {
            const props = exporterProps("pg1");
            props.ports[0].ip = "0.0.0.0";
            await assertNoViolations(policy, args(props, { allowPublicPorts: true }));
        });
    });

    it("does not apply to volumes", async () => {
        await assertNotApplicable(policy, resourceArgs(VOLUME, volumeProps()));
    });
});

describe("no-public-postgres-port with ha: patroni", () => {
    const policy = noPublicPostgresPort;
    const args = (props: Record<string, any>, config: object = {}) => resourceArgs(CONTAINER, props, { config });
    const control = (port: number, what: string) =>
        `Port ${port} ${what} is published on all interfaces (ip "0.0.0.0"); bind it to 127.0.0.1 or another specific ` +
        "address, or better publish it not at all, or set allowPublicPorts: true in this policy's config.";

    it("passes a Patroni member publishing 5432 on 127.0.0.1, and an etcd member publishing nothing", async () => {
        await assertNoViolations(policy, args(patroniContainerProps("pg0")));
        await assertNoViolations(policy, args(etcdContainerProps("etcd0")));
    });

    it("reports a Patroni member's 5432 on 0.0.0.0 as any node's", async () => {
        const props = patroniContainerProps("pg0");
        props.ports = [{ internal: 5432, external: 5432, ip: "0.0.0.0" }];
        await assertHasViolation(policy, args(props),
            "PostgreSQL port 5432 is published on all interfaces (ip \"0.0.0.0\"); " +
            "bind it to 127.0.0.1 or another specific address, or set allowPublicPorts: true in this policy's config.");
    });

    it("reports a Patroni member's REST API published on 0.0.0.0", async () => {
        const props = patroniContainerProps("pg0");
        props.ports.push({ internal: 8008, external: 8008, ip: "0.0.0.0" });
        await assertHasViolation(policy, args(props), control(8008,
            "of this Patroni member's REST API, which can switch the leader over, restart the member and change the " +
            "cluster's configuration,"));
    });

    it("reports an etcd member's client port published on 0.0.0.0", async () => {
        const props = etcdContainerProps("etcd0");
        props.ports = [{ internal: 2379, external: 2379, ip: "0.0.0.0" }];
        await assertHasViolation(policy, args(props), control(2379, "of this etcd member, whose keys decide which node leads,"));
    });

    it("passes an etcd member's port on 127.0.0.1, and on all interfaces when allowPublicPorts is true", async () => {
        const props = etcdContainerProps("etcd0");
        props.ports = [{ internal: 2379, external: 2379, ip: "127.0.0.1" }];
        await assertNoViolations(policy, args(props));
        props.ports = [{ internal: 2379, external: 2379, ip: "0.0.0.0" }];
        await assertNoViolations(policy, args(props, { allowPublicPorts: true }));
    });
});
