// Where a resource rule finds server settings: a node container's command (`postgres -c …`), or,
// for `ha: patroni`, the configurations Patroni starts its members' servers with, which are in
// command steps, not in the members' containers.

import { ResourceValidationArgs } from "@pulumi/policy";
import { stepConfig, stepEnvOf, stepKind } from "./cluster";
import { databaseContainer, haMemberKind, settingsOf } from "./container";
import { bootstrapDcsOf, isPatroniConfig, patroniServerSettings, UNREADABLE } from "./patroni";
import { ServerSettings } from "./settings";
import { COMMAND, CONTAINER, HA_MEMBER_PATRONI, STEP_DCS_CONFIG, STEP_MEMBER_CONF } from "./types";
import { isKnown, Unknown, UNKNOWN } from "./values";

export interface SettingsSource {
    settings: ServerSettings;
    /**
     * undefined for a node's command line; for a Patroni configuration, where it is, to start a
     * message with ("In the DCS configuration (…), ").
     */
    where?: string;
}

/** A message about a source's settings: as it is for a command line, after where it is otherwise. */
export function inSource(source: SettingsSource, message: string): string {
    return source.where === undefined ? message : `${source.where}, ${message}`;
}

/**
 * The settings a resource declares for PostgreSQL servers: a node container's command line; a
 * dcs-config step's DCS configuration (PGC_DCS_CONFIG: what every Patroni member runs with once
 * the step has run); a Patroni member's member-conf step's configuration (PGC_CONFIG:
 * `bootstrap.dcs`, what the member that makes the cluster writes into the DCS, with the member's
 * own `postgresql.parameters`). UNKNOWN while that is not known yet. Any other resource, a Patroni
 * member's container (no settings on its command line), an etcd member's configuration, and a
 * configuration that is not JSON (patroni-control-plane-tls and patroni-bounded-failover-lag
 * report it) are not applicable.
 */
export function serverSettingsOf(args: ResourceValidationArgs): SettingsSource | Unknown {
    if (args.type === COMMAND) {
        return stepSettingsOf(args);
    }
    const props = databaseContainer(args);
    if (haMemberKind(props) === HA_MEMBER_PATRONI) {
        return args.notApplicable(
            "a Patroni member: Patroni starts its server with the DCS configuration's settings, checked on the dcs-config " +
            "and member-conf steps");
    }
    const settings = settingsOf(props);
    return isKnown(settings) ? { settings } : UNKNOWN;
}

function stepSettingsOf(args: ResourceValidationArgs): SettingsSource | Unknown {
    const step = stepEnvOf(args.props);
    const kind = stepKind(step);
    if (!isKnown(kind)) {
        return UNKNOWN;
    }
    if (kind === STEP_DCS_CONFIG) {
        const dcs = stepConfig(step, "PGC_DCS_CONFIG");
        if (!isKnown(dcs)) {
            return UNKNOWN;
        }
        if (dcs === undefined || dcs === UNREADABLE) {
            return args.notApplicable("the dcs-config step has no DCS configuration in JSON (patroni-bounded-failover-lag reports it)");
        }
        return {
            settings: patroniServerSettings(dcs, undefined),
            where: `In the DCS configuration (PGC_DCS_CONFIG of step ${args.name}, postgresql.parameters)`,
        };
    }
    if (kind === STEP_MEMBER_CONF) {
        const member = stepConfig(step, "PGC_CONFIG");
        if (!isKnown(member)) {
            return UNKNOWN;
        }
        if (member === undefined || member === UNREADABLE || !isPatroniConfig(member)) {
            return args.notApplicable("not a Patroni member's configuration in JSON (patroni-control-plane-tls checks it)");
        }
        return {
            settings: patroniServerSettings(bootstrapDcsOf(member), member),
            where: `In the Patroni configuration of step ${args.name} (PGC_CONFIG: bootstrap.dcs.postgresql.parameters ` +
                "and its own postgresql.parameters)",
        };
    }
    return args.notApplicable(`applies to ${CONTAINER} nodes and to Patroni's configuration steps only`);
}
