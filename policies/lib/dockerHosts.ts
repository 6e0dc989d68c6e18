// The Docker engines a stack's resources are declared on: a docker provider's `host` input, and
// which provider a container uses.

import { PolicyResource } from "@pulumi/policy";
import { isKnown, read, readString, Unknown, UNKNOWN } from "./values";

/** What a container on a provider without a `host` input (the default engine) runs on, in messages. */
export const DEFAULT_DOCKER_HOST = "default";

/**
 * A docker provider's `host` input: the engine's URL, trimmed, without a trailing slash; undefined
 * when it has none (the provider then talks to DOCKER_HOST or the local socket, which policies do
 * not see); UNKNOWN while not known yet.
 */
export function providerHost(props: Record<string, any>): string | undefined | Unknown {
    const host = readString(() => props.host);
    if (!isKnown(host) || host === undefined) {
        return host;
    }
    const trimmed = host.trim().replace(/\/+$/, "");
    return trimmed === "" ? undefined : trimmed;
}

/**
 * The Docker host a resource runs on: its provider's `host`, or DEFAULT_DOCKER_HOST for a provider
 * without one and for a resource the engine names no provider for; UNKNOWN while the host is not
 * known yet. @pulumi/policy 1.21.0 passes the provider of each resource as `provider`, its inputs
 * behind the same unknown-value proxy as the resource's.
 */
export function dockerHostOf(resource: Pick<PolicyResource, "provider">): string | Unknown {
    const provider = resource.provider;
    if (provider === undefined) {
        return DEFAULT_DOCKER_HOST;
    }
    const props = read(() => provider.props);
    if (!isKnown(props)) {
        return UNKNOWN;
    }
    const host = props === null || props === undefined ? undefined : providerHost(props);
    return !isKnown(host) ? UNKNOWN : host ?? DEFAULT_DOCKER_HOST;
}

/** An engine URL taken apart: its scheme (lower case) and, for tcp://, the address it names (without the port). */
export interface Endpoint {
    scheme: string;
    address: string;
}

/** undefined when the URL names no scheme (`host:port`, which Docker does not accept either). */
export function parseEndpoint(url: string): Endpoint | undefined {
    const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(url.trim());
    if (match === null) {
        return undefined;
    }
    // The authority ends at the first slash; an IPv6 address is in brackets, anything else ends at the port.
    const authority = match[2].split("/")[0].replace(/^.*@/, "");
    const address = authority.startsWith("[")
        ? authority.slice(0, authority.indexOf("]") + 1 || authority.length)
        : authority.split(":")[0];
    return { scheme: match[1].toLowerCase(), address: address.toLowerCase() };
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** 127.0.0.0/8 (a dotted quad), `localhost`, or `[::1]`: reached without leaving the machine. */
export function isLoopbackAddress(address: string): boolean {
    if (address === "localhost" || address === "[::1]") {
        return true;
    }
    const quad = IPV4.exec(address);
    return quad !== null && quad.slice(1).every((o) => Number(o) <= 255) && Number(quad[1]) === 127;
}
