/**
 * Argument checks of the public API, run once at entry before a call changes anything.
 *
 * A wrong JavaScript type raises TypeError and a number out of range (NaN, a fraction, too
 * large) raises RangeError. The message names the function, the argument and the value as
 * received, so "5" (a string) reads differently from 5, and states what is expected. An argument
 * error is a caller's bug, not a broken invariant of the file system: it is not an FsPanic, and
 * the mounted file system goes on working after it.
 *
 * NOTE: the per-block paths (bread, bget, logWrite, the device read and write) check no argument
 * types, for speed. The calls that reach them check their arguments once at entry.
 */
import { quoteName } from "./diagnostics";

/** Returns a value as a message shows it: strings quoted and escaped, anything else String(value). */
export function showValue(value: unknown): string {
  if (typeof value === "bigint") return `${value}n (a bigint)`;
  return typeof value === "string" ? quoteName(value) : String(value);
}

/** Raises TypeError unless value is a number, and RangeError unless it is an integer in [min, max]. */
export function requireInteger(
  where: string,
  argument: string,
  value: unknown,
  min: number,
  max: number,
): asserts value is number {
  if (typeof value !== "number") {
    throw new TypeError(`${where}: ${argument} ${showValue(value)} is not a number`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${where}: ${argument} ${value} is not an integer from ${min} to ${max}`);
  }
}

/** Raises TypeError unless value is a number, and RangeError unless it is an integer. */
export function requireWhole(
  where: string,
  argument: string,
  value: unknown,
): asserts value is number {
  if (typeof value !== "number") {
    throw new TypeError(`${where}: ${argument} ${showValue(value)} is not a number`);
  }
  if (!Number.isInteger(value)) {
    throw new RangeError(`${where}: ${argument} ${value} is not an integer`);
  }
}

/** Raises TypeError unless value is a string. */
export function requireString(
  where: string,
  argument: string,
  value: unknown,
): asserts value is string {
  if (typeof value !== "string") {
    throw new TypeError(`${where}: ${argument} ${showValue(value)} is not a string`);
  }
}

/** Raises TypeError unless value is a Uint8Array (a Node Buffer is one). */
export function requireBytes(
  where: string,
  argument: string,
  value: unknown,
): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${where}: ${argument} ${showValue(value)} is not a Uint8Array`);
  }
}

/** Raises TypeError unless value has a BlockDevice's blockSize, blockCount, read and write. */
export function requireDevice(where: string, value: unknown): void {
  const device = value as {
    blockSize?: unknown;
    blockCount?: unknown;
    read?: unknown;
    write?: unknown;
  };
  if (
    typeof value !== "object" ||
    value === null ||
    typeof device.blockSize !== "number" ||
    typeof device.blockCount !== "number" ||
    typeof device.read !== "function" ||
    typeof device.write !== "function"
  ) {
    throw new TypeError(`${where}: device ${showValue(value)} is not a BlockDevice`);
  }
}

/** Raises TypeError or RangeError unless value is an integer of at least min, or Infinity. */
export function requireCount(where: string, argument: string, value: unknown, min: number): void {
  if (typeof value !== "number") {
    throw new TypeError(`${where}: ${argument} ${showValue(value)} is not a number`);
  }
  if (value !== Number.POSITIVE_INFINITY && (!Number.isInteger(value) || value < min)) {
    throw new RangeError(
      `${where}: ${argument} ${value} is neither an integer of at least ${min} nor Infinity`,
    );
  }
}
