import { describe, it } from "node:test";
import { patroniControlPlaneTls } from "../rules/patroniControlPlaneTls";
import { clusterResources, COMMAND, CONTAINER, editConfig, patroniClusterResources, propsOf } from "./builders";
import { assertHasViolation, assertHasViolations, assertNoViolations, assertNotApplicable, stackArgs, TestResource, urnOf } from "./util";

function without(resources: TestResource[], name: string): TestResource[] {
    return resources
        .filter((r) => r.name !== name)
        .map((r) => ({ ...r, dependsOn: (r.dependsOn ?? []).filter((d) => d !== name) }));
}

describe("patroni-control-plane-tls", () => {
    const policy = patroniControlPlaneTls;
    /** The stack with one member's configuration changed. */
    const changing = (step: string, change: (config: Record<string, any>) => void) => {
        const resources = patroniClusterResources(2);
        editConfig(propsOf(resources, step), "PGC_CONFIG", change);
        return stackArgs(resources);
    };
    const ofPatroni = (message: string) => `The configuration of Patroni member pg1 (PGC_CONFIG of step pg1-member-conf): ${message}`;
    const ofEtcd = (message: string) => `The configuration of etcd member etcd1 (PGC_CONFIG of step etcd1-member-conf): ${message}`;

    it("passes the program's Patroni and etcd members", async () => {
        await assertNoViolations(policy, stackArgs(patroniClusterResources(2)));
    });

    it("does not apply to a stack without Patroni or etcd members", async () => {
        await assertNotApplicable(policy, stackArgs(clusterResources(2)));
    });

    describe("Patroni members", () => {
        it("reports a REST API without a certificate: plain HTTP", async () => {
            await assertHasViolation(policy, changing("pg1-member-conf", (c) => delete c.restapi.certfile),
                ofPatroni("its REST API has no certfile (restapi), so it serves plain HTTP: whoever reaches port 8008 can " +
                    "switch the leader over or change the cluster's configuration; set restapi.certfile, keyfile and cafile " +
                    "(the control-plane CA)."),
                urnOf(COMMAND, "pg1-member-conf"));
        });

        it("reports a REST API without a CA to check clients against", async () => {
            await assertHasViolation(policy, changing("pg1-member-conf", (c) => delete c.restapi.cafile),
                ofPatroni("its REST API has no cafile (restapi), so it cannot check client certificates: whoever reaches port " +
                    "8008 can switch the leader over or change the cluster's configuration; set restapi.certfile, keyfile and " +
                    "cafile (the control-plane CA)."));
        });

        it("reports verify_client optional", async () => {
            await assertHasViolation(policy, changing("pg1-member-conf", (c) => (c.restapi.verify_client = "optional")),
                ofPatroni("its REST API's verify_client is \"optional\", so it answers clients without a certificate the " +
                    "control-plane CA signed; set restapi.verify_client: required."));
        });

        it("reports verify_client not set", async () => {
            await assertHasViolation(policy, changing("pg1-member-conf", (c) => delete c.restapi.verify_client),
                ofPatroni("its REST API's verify_client is not set, so it answers clients without a certificate the " +
                    "control-plane CA signed; set restapi.verify_client: required."));
        });

        it("reports etcd over http", async () => {
            await assertHasViolation(policy, changing("pg1-member-conf", (c) => (c.etcd3.protocol = "http")),
                ofPatroni("it talks to etcd over \"http\" (etcd3.protocol), so the leader key and the cluster's configuration " +
                    "cross the network in clear and unchecked; set etcd3.protocol: https."));
        });

        it("reports etcd without a protocol (Patroni's default is http)", async () => {
            await assertHasViolation(policy, changing("pg1-member-conf", (c) => delete c.etcd3.protocol),
                ofPatroni("it talks to etcd over http (etcd3.protocol is not set), so the leader key and the cluster's " +
                    "configuration cross the network in clear and unchecked; set etcd3.protocol: https."));
        });

        it("reports an etcd client without its certificate and key", async () => {
            await assertHasViolation(policy, changing("pg1-member-conf", (c) => {
                delete c.etcd3.cert;
                delete c.etcd3.key;
            }), ofPatroni("its etcd client has no cert, key (etcd3), so it presents no client certificate, which etcd " +
                "requires; set etcd3.cacert, cert and key."));
        });

        it("reports an etcd client without the CA", async () => {
            await assertHasViolation(policy, changing("pg1-member-conf", (c) => delete c.etcd3.cacert),
                ofPatroni("its etcd client has no cacert (etcd3), so it does not check etcd's certificate against the " +
                    "control-plane CA; set etcd3.cacert, cert and key."));
        });

        it("checks the etcd (v2) section the same way", async () => {
            await assertHasViolation(policy, changing("pg1-member-conf", (c) => {
                c.etcd = { ...c.etcd3, protocol: "http" };
                delete c.etcd3;
            }), ofPatroni("it talks to etcd over \"http\" (etcd.protocol), so the leader key and the cluster's configuration " +
                "cross the network in clear and unchecked; set etcd.protocol: https."));
        });

        it("reports a configuration without an etcd section", async () => {
            await assertHasViolation(policy, changing("pg1-member-conf", (c) => delete c.etcd3),
                ofPatroni("it configures no etcd DCS (etcd3), so its TLS to the DCS cannot be checked; pg-cluster's DCS is " +
                    "etcd (etcd3)."));
        });
    });

    describe("etcd members", () => {
        it("reports client-cert-auth off for clients", async () => {
            await assertHasViolation(policy, changing("etcd1-member-conf", (c) => (c["client-transport-security"]["client-cert-auth"] = false)),
                ofEtcd("its client-transport-security does not require client certificates (client-cert-auth is \"false\"), " +
                    "so any client that reaches it may write the leader key; set client-cert-auth: true."),
                urnOf(COMMAND, "etcd1-member-conf"));
        });

        it("reports client-cert-auth not set for peers", async () => {
            await assertHasViolation(policy, changing("etcd1-member-conf", (c) => delete c["peer-transport-security"]["client-cert-auth"]),
                ofEtcd("its peer-transport-security does not require client certificates (client-cert-auth is not set), so " +
                    "any peer that reaches it may join the cluster; set client-cert-auth: true."));
        });

        it("reports no peer-transport-security", async () => {
            await assertHasViolation(policy, changing("etcd1-member-conf", (c) => delete c["peer-transport-security"]),
                ofEtcd("it has no peer-transport-security, so it serves its peers without TLS; set it with cert-file, " +
                    "key-file, trusted-ca-file and client-cert-auth: true."));
        });

        it("reports client-transport-security without a trusted CA", async () => {
            await assertHasViolation(policy, changing("etcd1-member-conf", (c) => delete c["client-transport-security"]["trusted-ca-file"]),
                ofEtcd("its client-transport-security has no trusted-ca-file; set each (its key and certificate, and the " +
                    "control-plane CA)."));
        });

        it("reports an http listen URL, where etcd serves no TLS", async () => {
            await assertHasViolation(policy, changing("etcd1-member-conf", (c) => (c["listen-client-urls"] = "https://0.0.0.0:2379,http://127.0.0.1:2379")),
                ofEtcd("its listen-client-urls has \"http://127.0.0.1:2379\": etcd serves TLS on https:// URLs only; use https://."));
        });

        it("reports TLS 1.1 as the minimum", async () => {
            await assertHasViolation(policy, changing("etcd1-member-conf", (c) => (c["tls-min-version"] = "TLS1.1")),
                ofEtcd("its tls-min-version is \"TLS1.1\"; set TLS1.2 or TLS1.3 (TLS 1.0 and 1.1 are broken and deprecated)."));
        });
    });

    describe("the member-conf steps", () => {
        it("reports a Patroni member without one", async () => {
            await assertHasViolation(policy, stackArgs(without(patroniClusterResources(2), "pg2-member-conf")),
                "Patroni member pg2 has no member-conf step (a command:local:Command with PGC_STEP=member-conf and " +
                "PGC_NODE=pg2): nothing writes its configuration, key and certificates, so its TLS is unknown.",
                urnOf(CONTAINER, "pg2"));
        });

        it("reports an etcd member whose container does not wait for it", async () => {
            const resources = patroniClusterResources(2);
            resources.find((r) => r.name === "etcd0")!.dependsOn = ["network"];
            await assertHasViolation(policy, stackArgs(resources),
                "etcd member etcd0 does not depend on its member-conf step; it could start before its configuration, key " +
                "and certificates are in place.",
                urnOf(CONTAINER, "etcd0"));
        });

        it("reports a member with two", async () => {
            const resources = patroniClusterResources(2);
            resources.push({ ...resources.find((r) => r.name === "pg1-member-conf")!, name: "pg1-member-conf-again" });
            await assertHasViolation(policy, stackArgs(resources),
                "Patroni member pg1 has 2 member-conf steps (pg1-member-conf, pg1-member-conf-again); it needs exactly one.");
        });

        it("reports a configuration that is not JSON", async () => {
            const resources = patroniClusterResources(2);
            propsOf(resources, "pg1-member-conf").environment.PGC_CONFIG = "restapi:\n  verify_client: required\n";
            await assertHasViolation(policy, stackArgs(resources),
                ofPatroni("is not JSON (after # comment lines), which this pack reads; the program writes JSON, which " +
                    "Patroni and etcd read as YAML."));
        });

        it("reports an etcd configuration given to a Patroni member", async () => {
            const resources = patroniClusterResources(2);
            propsOf(resources, "pg1-member-conf").environment.PGC_CONFIG = propsOf(resources, "etcd1-member-conf").environment.PGC_CONFIG;
            await assertHasViolations(policy, stackArgs(resources), [
                ofPatroni("is no Patroni configuration (no restapi, postgresql or bootstrap section)."),
            ]);
        });
    });
});
