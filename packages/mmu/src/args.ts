/**
 * Argument errors of the public API. A caller's argument of the wrong type is a TypeError, a
 * number out of range (NaN, a fraction, too large) a RangeError. The message names the function,
 * the argument and the value as received, and states the expected form:
 *
 *   copyOut: cpl "0" is not 0 or 3
 *   walkPgdir: va NaN is not an integer in [0, 0xffffffff]
 *
 * The value is printed with describe(), never after `>>> 0`, so that a message never states a
 * value the caller did not pass. Every check runs before the call changes anything, so an
 * argument error leaves the Mmu and its frames as they were. Broken invariants (a pgdir that is
 * not a live directory, a remap, a broken entry) stay MmuPanic; see panic.ts.
 *
 * The checks are split so that a caller on a busy path tests the common case inline and calls
 * one of these only to build the error.
 */
import { KERNBASE, PGSIZE } from "./pte.ts";

/** Formats a received value for a message: strings quoted, objects by their tag, others as String(). */
export function describe(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "bigint") {
    return `${value}n (a bigint)`;
  }
  if (typeof value === "function") {
    return `[function ${value.name}]`;
  }
  if (typeof value === "object" && value !== null) {
    return Object.prototype.toString.call(value);
  }
  return String(value);
}

/**
 * Returns the error for argument `name` of `caller` holding `value`, which is not `expected`: a
 * TypeError unless the value has the expected type `type`, a RangeError when it has.
 */
export function argumentError(
  caller: string,
  name: string,
  value: unknown,
  expected: string,
  type = "number",
): TypeError | RangeError {
  const message = `${caller}: ${name} ${describe(value)} is not ${expected}`;
  return typeof value === type ? new RangeError(message) : new TypeError(message);
}

/** Throws unless `value` is an integer in [min, max]; `expected` describes that range. */
export function checkInteger(
  caller: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
  expected = `an integer in [${min}, ${max}]`,
): asserts value is number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw argumentError(caller, name, value, expected);
  }
}

/** Expected-range text of a user size, used by every function taking `sz`. */
const SIZE_RANGE = `an integer in [0, ${KERNBASE}] (0 to KERNBASE)`;

/** Throws unless `sz` is a user address-space size: an integer in [0, KERNBASE]. */
export function checkSize(caller: string, name: string, sz: unknown): asserts sz is number {
  checkInteger(caller, name, sz, 0, KERNBASE, SIZE_RANGE);
}

/** Throws unless `va` is a 32-bit linear address: an integer in [0, 0xffffffff]. */
export function checkLinear(caller: string, va: unknown): asserts va is number {
  checkInteger(caller, "va", va, 0, 0xffffffff, "an integer in [0, 0xffffffff]");
}

/** Throws unless `va` is a page-aligned user address: a multiple of PGSIZE in [0, KERNBASE). */
export function checkUserPage(caller: string, va: unknown): asserts va is number {
  if (!Number.isInteger(va) || (va as number) % PGSIZE !== 0 || (va as number) < 0) {
    throw argumentError(caller, "va", va, "a page-aligned integer address");
  }
  if ((va as number) >= KERNBASE) {
    throw argumentError(caller, "va", va, "a user address (below KERNBASE, 2147483648)");
  }
}

/** Throws a TypeError unless `value` is a boolean. */
export function checkBoolean(caller: string, name: string, value: unknown): void {
  if (typeof value !== "boolean") {
    throw argumentError(caller, name, value, "a boolean", "boolean");
  }
}

/** Throws a TypeError unless `value` is a Uint8Array (a Node Buffer is one). */
export function checkBytes(caller: string, name: string, value: unknown): void {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${caller}: ${name} ${describe(value)} is not a Uint8Array`);
  }
}

/** Throws a TypeError unless `value` is iterable (an array, a Set, a generator). */
export function checkIterable(caller: string, name: string, value: unknown): void {
  const iterator = (value as { [Symbol.iterator]?: unknown } | null | undefined)?.[Symbol.iterator];
  if (typeof iterator !== "function") {
    throw new TypeError(`${caller}: ${name} ${describe(value)} is not iterable`);
  }
}

/** Throws unless `cpl` is 0 or 3, the privileges a copy runs with. */
export function checkPrivilege(caller: string, cpl: unknown): void {
  if (cpl !== 0 && cpl !== 3) {
    throw argumentError(caller, "cpl", cpl, "0 or 3");
  }
}

/**
 * Returns the error for a copy's `va` that failed the user-range test: a TypeError or RangeError
 * when it is not an integer, or null when it is one (then the copy fails with its failure value).
 */
export function copyAddressError(caller: string, va: unknown): TypeError | RangeError | null {
  if (Number.isInteger(va)) {
    return null;
  }
  return argumentError(caller, "va", va, "an integer address");
}

/**
 * Throws unless `options` is undefined or an object whose `debug` is a boolean and whose
 * `onWrite` is a function, where present. Shared by the Mmu and FrameAllocator constructors.
 */
export function checkOptions(caller: string, options: unknown): void {
  if (options === undefined) {
    return;
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${caller}: options ${describe(options)} is not an object`);
  }
  const { debug, onWrite } = options as { debug?: unknown; onWrite?: unknown };
  if (debug !== undefined) {
    checkBoolean(caller, "debug", debug);
  }
  if (onWrite !== undefined && typeof onWrite !== "function") {
    throw new TypeError(
      `${caller}: onWrite ${describe(onWrite)} is not a function; expected (physicalPage) => void`,
    );
  }
}
