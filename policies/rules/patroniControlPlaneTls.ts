import { PolicyResource, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { dependsOn, etcdMembersOf, listNodes, memberConfStepsOf, nodesOf, Step, stepConfig } from "../lib/cluster";
import { ConfigObject, isEtcdConfig, isPatroniConfig, objectAt, textAt, UNREADABLE } from "../lib/patroni";
import { isKnown, quote, Unknown } from "../lib/values";

// Under `ha: patroni` the control plane decides which node takes writes: whoever can write the
// DCS (etcd) or call a member's REST API (switchover, restart, PATCH /config) can make any node
// the leader or stop the cluster. So both run over TLS and only for holders of a certificate the
// control-plane CA signed: the REST API with its own certificate and key and verify_client
// required; Patroni's etcd client over https with the CA and its client certificate; every etcd
// member serving clients and peers on https URLs only, with client-cert-auth. Each member's
// configuration is in PGC_CONFIG of its member-conf step, which its container must wait for.

/** Names the member and what it is, for messages. */
interface Member {
    resource: PolicyResource;
    node: string;
    kind: "Patroni member" | "etcd member";
}

/** Reports about one member's configuration, naming it and where it is. */
type Report = (message: string) => void;

function checkPatroniConfig(config: ConfigObject, report: Report): void {
    const restapi = objectAt(config, "restapi");
    const missing = ["certfile", "keyfile", "cafile"].filter((key) => textAt(restapi, key) === undefined);
    if (missing.length > 0) {
        report(
            `its REST API has no ${missing.join(", ")} (restapi), so it ${missing.includes("certfile") || missing.includes("keyfile")
                ? "serves plain HTTP" : "cannot check client certificates"}: whoever reaches port 8008 can switch the leader ` +
            "over or change the cluster's configuration; set restapi.certfile, keyfile and cafile (the control-plane CA).");
    }
    const verify = restapi?.verify_client;
    if (verify !== "required") {
        const now = verify === undefined ? "not set" : quote(String(verify));
        report(
            `its REST API's verify_client is ${now}, so it answers clients without a certificate the control-plane CA ` +
            "signed; set restapi.verify_client: required.");
    }
    const dcsKey = ["etcd3", "etcd"].find((key) => objectAt(config, key) !== undefined);
    if (dcsKey === undefined) {
        report("it configures no etcd DCS (etcd3), so its TLS to the DCS cannot be checked; pg-cluster's DCS is etcd (etcd3).");
        return;
    }
    const etcd = objectAt(config, dcsKey);
    const protocol = textAt(etcd, "protocol");
    if (protocol !== "https") {
        report(
            `it talks to etcd over ${protocol === undefined ? `http (${dcsKey}.protocol is not set)` : `${quote(protocol)} (${dcsKey}.protocol)`}, ` +
            "so the leader key and the cluster's configuration cross the network in clear and unchecked; set " +
            `${dcsKey}.protocol: https.`);
    }
    const files = ["cacert", "cert", "key"].filter((key) => textAt(etcd, key) === undefined);
    if (files.length > 0) {
        report(
            `its etcd client has no ${files.join(", ")} (${dcsKey}), so it ${files.includes("cacert")
                ? "does not check etcd's certificate against the control-plane CA" : "presents no client certificate, which etcd requires"}; ` +
            `set ${dcsKey}.cacert, cert and key.`);
    }
}

/** Where etcd serves its keys and its peers; its metrics listener (listen-metrics-urls) serves only /metrics and /health. */
const ETCD_URLS = ["listen-client-urls", "advertise-client-urls", "listen-peer-urls", "initial-advertise-peer-urls"];
const TLS_VERSIONS = ["TLS1.2", "TLS1.3"];

function checkEtcdConfig(config: ConfigObject, report: Report): void {
    for (const section of ["client-transport-security", "peer-transport-security"]) {
        const security = objectAt(config, section);
        if (security === undefined) {
            report(`it has no ${section}, so it serves ${section.startsWith("client") ? "clients" : "its peers"} without TLS; ` +
                "set it with cert-file, key-file, trusted-ca-file and client-cert-auth: true.");
            continue;
        }
        const files = ["cert-file", "key-file", "trusted-ca-file"].filter((key) => textAt(security, key) === undefined);
        if (files.length > 0) {
            report(`its ${section} has no ${files.join(", ")}; set each (its key and certificate, and the control-plane CA).`);
        }
        const auth = security["client-cert-auth"];
        if (auth !== true && auth !== "true") {
            report(
                `its ${section} does not require client certificates (client-cert-auth is ${auth === undefined ? "not set" : quote(String(auth))}), ` +
                `so any ${section.startsWith("client") ? "client" : "peer"} that reaches it may ` +
                `${section.startsWith("client") ? "write the leader key" : "join the cluster"}; set client-cert-auth: true.`);
        }
    }
    for (const key of ETCD_URLS) {
        const urls = textAt(config, key);
        const plain = (urls ?? "").split(",").map((u) => u.trim()).filter((u) => u !== "" && !u.startsWith("https://"));
        if (plain.length > 0) {
            report(`its ${key} has ${plain.map(quote).join(", ")}: etcd serves TLS on https:// URLs only; use https://.`);
        }
    }
    const minimum = textAt(config, "tls-min-version");
    if (minimum !== undefined && !TLS_VERSIONS.includes(minimum)) {
        report(`its tls-min-version is ${quote(minimum)}; set TLS1.2 or TLS1.3 (TLS 1.0 and 1.1 are broken and deprecated).`);
    }
}

/** The member's one member-conf step, reported when missing, doubled or not waited for; undefined then. */
function memberConfOf(args: readonly PolicyResource[], member: Member, name: string, reportViolation: ReportViolation): Step | undefined | Unknown {
    const own = memberConfStepsOf(args, name);
    if (!isKnown(own)) {
        return own;
    }
    if (own.length === 0) {
        reportViolation(
            `${member.kind} ${member.node} has no member-conf step (a command:local:Command with PGC_STEP=member-conf and ` +
            `PGC_NODE=${name}): nothing writes its configuration, key and certificates, so its TLS is unknown.`,
            member.resource.urn);
        return undefined;
    }
    if (own.length > 1) {
        reportViolation(
            `${member.kind} ${member.node} has ${own.length} member-conf steps (${listNodes(own.map((s) => s.resource.name))}); ` +
            "it needs exactly one.",
            member.resource.urn);
        return undefined;
    }
    if (!dependsOn(member.resource, own[0].resource)) {
        reportViolation(
            `${member.kind} ${member.node} does not depend on its member-conf step; it could start before its configuration, ` +
            "key and certificates are in place.",
            member.resource.urn);
    }
    return own[0];
}

export const patroniControlPlaneTls: StackValidationPolicy = {
    name: "patroni-control-plane-tls",
    description:
        "Every Patroni member's REST API has a certfile, keyfile and cafile and verify_client required, and it talks to " +
        "etcd (etcd3) over https with a cacert, cert and key; every etcd member serves clients and peers on https URLs " +
        "with client-cert-auth and its cert, key and trusted CA files. Each member's configuration is its member-conf " +
        "step's PGC_CONFIG, which its container waits for.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const patroni = nodesOf(args.resources).filter((n) => n.patroni);
        const etcd = etcdMembersOf(args.resources);
        if (patroni.length === 0 && etcd.length === 0) {
            return args.notApplicable("the stack declares no Patroni or etcd member");
        }
        type Named = { member: Member; name: string | Unknown };
        const members: Named[] = [
            ...patroni.map((n): Named => ({ member: { resource: n.resource, node: n.node, kind: "Patroni member" }, name: n.name })),
            ...etcd.map((e): Named => ({ member: { resource: e.resource, node: e.node, kind: "etcd member" }, name: e.name })),
        ];
        for (const { member, name } of members) {
            if (!isKnown(name)) {
                continue;
            }
            const step = memberConfOf(args.resources, member, name, reportViolation);
            if (!isKnown(step) || step === undefined) {
                continue;
            }
            const config = stepConfig(step, "PGC_CONFIG");
            if (!isKnown(config)) {
                continue;
            }
            const report: Report = (message) => reportViolation(
                `The configuration of ${member.kind} ${member.node} (PGC_CONFIG of step ${step.resource.name}): ${message}`,
                step.resource.urn);
            if (config === undefined) {
                report("is empty, so its TLS is unknown; the member-conf step must carry it.");
            } else if (config === UNREADABLE) {
                report("is not JSON (after # comment lines), which this pack reads; the program writes JSON, which Patroni and etcd read as YAML.");
            } else if (member.kind === "Patroni member") {
                if (isPatroniConfig(config)) {
                    checkPatroniConfig(config, report);
                } else {
                    report("is no Patroni configuration (no restapi, postgresql or bootstrap section).");
                }
            } else if (isEtcdConfig(config)) {
                checkEtcdConfig(config, report);
            } else {
                report("is no etcd configuration (no listen URLs, initial-cluster or transport security).");
            }
        }
    },
};
