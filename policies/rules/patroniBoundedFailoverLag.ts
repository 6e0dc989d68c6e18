import { ResourceValidationPolicy } from "@pulumi/policy";
import { stepConfig, stepEnvOf, stepKind } from "../lib/cluster";
import { bootstrapDcsOf, ConfigObject, isPatroniConfig, synchronousModeOf, UNREADABLE } from "../lib/patroni";
import { parsePgInteger } from "../lib/settings";
import { COMMAND, STEP_DCS_CONFIG, STEP_MEMBER_CONF } from "../lib/types";
import { isKnown, quote } from "../lib/values";

export interface PatroniBoundedFailoverLagConfig {
    /** The most WAL (MiB) a replica may be behind and still be promoted, in asynchronous mode. */
    maxLagOnFailoverMb?: number;
}

/**
 * 64 MiB: four WAL segments. Patroni's own default is 1 MiB and pg-cluster's 16 MiB; a replica
 * that streams is normally well under either, so the bound leaves room for a burst of writes
 * while a promotion still loses at most a few seconds of commits on a busy primary (at 10 MiB/s
 * of WAL, about six), never minutes.
 */
export const DEFAULT_MAX_LAG_ON_FAILOVER_MB = 64;
const MIB = 1024 * 1024;

// Without synchronous replication Patroni may promote a replica that has not received everything
// the leader committed: whatever it lacks is lost, acknowledged commits included.
// maximum_lag_on_failover is the only bound on that loss: a replica further behind is not
// promoted (the cluster waits for the old leader instead). Declared, the bound is the stack's:
// the dcs-config step sends the keys it declares (PATCH /config), so a value someone set by hand
// in the DCS is put back on the next `pulumi up`; left out, whatever the DCS holds stays. With
// synchronous_mode on (or quorum) Patroni promotes only a synchronous standby, and the bound does
// not apply. Checked where the DCS configuration is declared: the dcs-config step, and each
// Patroni member's bootstrap.dcs (what the member that makes the cluster writes into the DCS).
function checkDcs(dcs: ConfigObject | undefined, where: string, maxMb: number, reportViolation: (m: string) => void): void {
    if (synchronousModeOf(dcs)) {
        return;
    }
    const raw = dcs?.maximum_lag_on_failover;
    if (raw === undefined || raw === null || raw === "") {
        reportViolation(
            `${where} sets no maximum_lag_on_failover while synchronous_mode is off, so the bound on what a failover may ` +
            "lose is whatever the DCS holds (Patroni's default 1 MiB, or any value set by hand); declare it " +
            `(pg-cluster:maximumLagOnFailover), at most ${maxMb} MiB.`);
        return;
    }
    const bytes = parsePgInteger(String(raw));
    if (bytes === undefined || bytes < 0) {
        reportViolation(`${where} has maximum_lag_on_failover ${quote(String(raw))}, which is not a number of bytes.`);
    } else if (bytes > maxMb * MIB) {
        reportViolation(
            `${where} lets Patroni promote a replica up to ${bytes} bytes (${(bytes / MIB).toFixed(1)} MiB) behind ` +
            `(maximum_lag_on_failover) while synchronous_mode is off: a failover may lose that much committed WAL; ` +
            `set it to at most ${maxMb} MiB (${maxMb * MIB}), or turn synchronous replication on.`);
    }
}

export const patroniBoundedFailoverLag: ResourceValidationPolicy = {
    name: "patroni-bounded-failover-lag",
    description:
        "In asynchronous mode (synchronous_mode off) the Patroni DCS configuration (the dcs-config step's, and each " +
        "member's bootstrap.dcs) sets maximum_lag_on_failover, at most 64 MiB. Config: maxLagOnFailoverMb.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            maxLagOnFailoverMb: {
                type: "integer",
                minimum: 1,
                default: DEFAULT_MAX_LAG_ON_FAILOVER_MB,
                description: "The most WAL, in MiB, a replica may be behind and still be promoted in asynchronous mode.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== COMMAND) {
            return args.notApplicable(`applies to ${COMMAND} resources only`);
        }
        const maxMb = args.getConfig<PatroniBoundedFailoverLagConfig>().maxLagOnFailoverMb ?? DEFAULT_MAX_LAG_ON_FAILOVER_MB;
        const step = stepEnvOf(args.props);
        const kind = stepKind(step);
        if (!isKnown(kind)) {
            return;
        }
        if (kind === STEP_DCS_CONFIG) {
            const dcs = stepConfig(step, "PGC_DCS_CONFIG");
            if (!isKnown(dcs)) {
                return;
            }
            const where = `The DCS configuration (PGC_DCS_CONFIG of step ${args.name})`;
            if (dcs === undefined || dcs === UNREADABLE) {
                reportViolation(
                    `${where} is ${dcs === undefined ? "empty" : "not JSON, which this pack reads (Patroni reads JSON as YAML)"}, ` +
                    "so what it sets cannot be checked.");
                return;
            }
            checkDcs(dcs, where, maxMb, reportViolation);
        } else if (kind === STEP_MEMBER_CONF) {
            const member = stepConfig(step, "PGC_CONFIG");
            // An etcd member's, or one patroni-control-plane-tls reports.
            if (!isKnown(member) || member === undefined || member === UNREADABLE || !isPatroniConfig(member)) {
                return;
            }
            checkDcs(bootstrapDcsOf(member), `bootstrap.dcs of the Patroni configuration (PGC_CONFIG of step ${args.name})`, maxMb,
                reportViolation);
        } else {
            return args.notApplicable("not a step that declares Patroni's DCS configuration (dcs-config, member-conf)");
        }
    },
};
