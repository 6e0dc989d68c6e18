import { UnknownValueError } from "@pulumi/policy";

/**
 * During `pulumi preview` the engine hands policies a proxy that throws UnknownValueError when a
 * value that is only computed at deployment time is read. A throw would turn the whole policy into
 * a "can't run during preview" advisory, so rules read through `read` and skip what is UNKNOWN.
 */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

export function read<T>(get: () => T): T | Unknown {
    try {
        return get();
    } catch (e) {
        if (e instanceof UnknownValueError) {
            return UNKNOWN;
        }
        throw e;
    }
}

export function isKnown<T>(value: T | Unknown): value is T {
    return value !== UNKNOWN;
}

/** The elements of an array property, each read on its own; [] when the property is not an array. */
export function readArray(get: () => unknown): Array<unknown | Unknown> | Unknown {
    const value = read(get);
    if (value === UNKNOWN) {
        return UNKNOWN;
    }
    if (!Array.isArray(value)) {
        return [];
    }
    const items: Array<unknown | Unknown> = [];
    for (let i = 0; i < value.length; i++) {
        items.push(read(() => value[i]));
    }
    return items;
}

/** A string property, or undefined when it is absent or not a string. */
export function readString(get: () => unknown): string | undefined | Unknown {
    const value = read(get);
    if (value === UNKNOWN) {
        return UNKNOWN;
    }
    return typeof value === "string" ? value : undefined;
}

/**
 * The string-valued entries of an object property (e.g. a command's `environment`), each read on
 * its own: an entry not known yet maps to UNKNOWN. The whole map is UNKNOWN when the object itself
 * is not known yet (the engine sends one unknown for a map built from other resources' outputs),
 * which is not the same as a known map that is empty or absent (an empty map).
 */
export function readStringMap(get: () => unknown): Map<string, string | Unknown> | Unknown {
    const value = read(get);
    if (value === UNKNOWN) {
        return UNKNOWN;
    }
    const result = new Map<string, string | Unknown>();
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return result;
    }
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
        const entry = read(() => obj[key]);
        if (entry === UNKNOWN) {
            result.set(key, UNKNOWN);
        } else if (typeof entry === "string") {
            result.set(key, entry);
        } else if (typeof entry === "number" || typeof entry === "boolean") {
            result.set(key, String(entry));
        }
    }
    return result;
}

export function quote(value: string): string {
    return JSON.stringify(value);
}
