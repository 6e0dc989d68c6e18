import { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { haMemberKind, isDatabaseContainer, isMonitoringContainer } from "../lib/container";
import { CONTAINER, HA_MEMBER_ETCD } from "../lib/types";
import { isKnown, quote, read, readArray, Unknown, UNKNOWN } from "../lib/values";

// What a compromised server, exporter, Prometheus or etcd member (whose keys decide which node
// leads under `ha: patroni`) can do inside its container is what the container allows: Docker's default capabilities (NET_RAW, MKNOD, SETFCAP …), setuid binaries,
// a writable image and unlimited processes are all reach beyond the one program it runs.

/**
 * The capabilities a container may add back after dropping ALL: what the postgres image's
 * entrypoint needs to hand the data and socket directories to postgres and drop to it (CHOWN,
 * DAC_OVERRIDE, FOWNER, SETUID, SETGID), reading them (DAC_READ_SEARCH), and signalling (KILL).
 */
const ALLOWED_ADDS = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "SETUID", "SETGID", "KILL"];

/** Docker's spelling is loose: any case, with or without CAP_. */
function capability(name: string): string {
    return name.trim().toUpperCase().replace(/^CAP_/, "");
}

/** The known strings of an array property; UNKNOWN when the array or one of its items is not known yet. */
function knownStrings(get: () => unknown): string[] | Unknown {
    const items = readArray(get);
    if (!isKnown(items) || items.some((i) => !isKnown(i))) {
        return UNKNOWN;
    }
    return items.filter((i): i is string => typeof i === "string");
}

function checkCapabilities(props: Record<string, any>, report: ReportViolation): void {
    const capabilities = read(() => props.capabilities);
    if (!isKnown(capabilities)) {
        return;
    }
    const caps = capabilities !== null && typeof capabilities === "object" ? (capabilities as Record<string, unknown>) : {};
    const drops = knownStrings(() => caps.drops);
    if (isKnown(drops) && !drops.map(capability).includes("ALL")) {
        report(
            "The container does not drop all capabilities (capabilities.drops has no \"ALL\"), so it keeps Docker's default " +
            "set, NET_RAW, MKNOD and SETFCAP among them; drop \"ALL\" and add back only what it needs.");
    }
    const adds = knownStrings(() => caps.adds);
    if (isKnown(adds)) {
        const extra = [...new Set(adds.map(capability))].filter((c) => !ALLOWED_ADDS.includes(c));
        if (extra.length > 0) {
            report(
                `The container adds ${extra.join(", ")} (capabilities.adds), more than PostgreSQL, its entrypoint and the ` +
                `monitoring containers need; add back only ${ALLOWED_ADDS.join(", ")}.`);
        }
    }
}

/**
 * The last no-new-privileges among the security options, as dockerd reads them: bare, or with a
 * value after `=` (or the older `:`) that Go's ParseBool reads; undefined when none sets it.
 */
function noNewPrivileges(opts: readonly string[]): { on: boolean; option: string } | undefined {
    let found: { on: boolean; option: string } | undefined;
    for (const option of opts) {
        const opt = option.trim();
        if (opt === "no-new-privileges") {
            found = { on: true, option };
            continue;
        }
        const separator = opt.includes("=") ? "=" : ":";
        const at = opt.indexOf(separator);
        if (at > 0 && opt.slice(0, at) === "no-new-privileges") {
            found = { on: ["1", "t", "T", "true", "TRUE", "True"].includes(opt.slice(at + 1)), option };
        }
    }
    return found;
}

function checkNoNewPrivileges(props: Record<string, any>, report: ReportViolation): void {
    const opts = knownStrings(() => props.securityOpts);
    if (!isKnown(opts)) {
        return;
    }
    const found = noNewPrivileges(opts);
    if (found?.on === true) {
        return;
    }
    const now = found === undefined
        ? "does not set no-new-privileges (securityOpts)"
        : `does not turn no-new-privileges on (securityOpts has ${quote(found.option)})`;
    report(
        `The container ${now}, so a setuid or file-capability program in its image can give a process privileges it did ` +
        "not start with; add \"no-new-privileges:true\" to securityOpts.");
}

function isPositive(value: unknown): boolean {
    return (typeof value === "number" || (typeof value === "string" && value.trim() !== "")) && Number(value) > 0;
}

/**
 * A declared pidsLimit must limit. Its absence is not reported: the docker provider's Container
 * has no pidsLimit input (pulumi-docker 4.5.1 to 5.1.0), and an nproc ulimit is no substitute (it
 * counts every process of the user on the whole host, so every node of every stack, uid 999,
 * would share one budget). A program or provider that can declare one is held to a real one.
 */
function checkProcessLimit(props: Record<string, any>, report: ReportViolation): void {
    const pidsLimit = read(() => props.pidsLimit);
    if (!isKnown(pidsLimit) || pidsLimit === undefined || pidsLimit === null || isPositive(pidsLimit)) {
        return;
    }
    report(
        `The container's process limit does not limit (pidsLimit ${quote(String(pidsLimit))}), so a fork bomb in it can ` +
        "use up the host's process IDs and stop every other container; set it above 0.");
}

/**
 * A node's root is read-only. The monitoring containers' cannot be: the docker provider uploads
 * their files by extracting an archive at /, which Docker refuses on a read-only root.
 */
function checkReadOnly(props: Record<string, any>, report: ReportViolation): void {
    const readOnly = read(() => props.readOnly);
    if (isKnown(readOnly) && readOnly !== true) {
        report(
            "The container's root filesystem is writable (readOnly is not true), so whoever takes over its process can " +
            "change the programs and libraries of its image; set readOnly: true, with tmpfs mounts where it writes " +
            "(/tmp, and /var/run/postgresql on a node).");
    }
}

function checkPrivileged(props: Record<string, any>, report: ReportViolation): void {
    const privileged = read(() => props.privileged);
    if (privileged === true || privileged === "true") {
        report(
            "The container runs privileged (privileged: true): every capability and every host device, whatever it drops, " +
            "so a compromised process in it owns the host; remove privileged.");
    }
}

export const containersHardened: ResourceValidationPolicy = {
    name: "containers-hardened",
    description:
        "Nodes, monitoring containers and etcd members drop all capabilities (adding back at most CHOWN, DAC_OVERRIDE, " +
        "DAC_READ_SEARCH, FOWNER, SETUID, SETGID, KILL), set no-new-privileges, no process limit that does not limit, a " +
        "read-only root (nodes and etcd members), and are not privileged.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== CONTAINER) {
            return args.notApplicable(`applies to ${CONTAINER} resources only`);
        }
        const node = isDatabaseContainer(args.type, args.props);
        const monitoring = isMonitoringContainer(args.type, args.props);
        const etcd = haMemberKind(args.props);
        if (node !== true && monitoring !== true && etcd !== HA_MEMBER_ETCD) {
            if (node === UNKNOWN || monitoring === UNKNOWN || etcd === UNKNOWN) {
                return args.notApplicable("cannot tell yet whether this is a node or a monitoring container (its labels are unknown during preview)");
            }
            return args.notApplicable("neither a PostgreSQL node, a monitoring container nor an etcd member");
        }
        for (const check of [checkPrivileged, checkCapabilities, checkNoNewPrivileges, checkProcessLimit]) {
            check(args.props, reportViolation);
        }
        // An etcd member uploads nothing either: its files are on its volume.
        if (node === true || etcd === HA_MEMBER_ETCD) {
            checkReadOnly(args.props, reportViolation);
        }
    },
};
