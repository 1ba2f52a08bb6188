/**
 * Argument checks for the public API. They run once at API entry (a constructor, a setter,
 * `setContext`, `setPages`), never inside `run`'s loop, and throw before anything changes: a
 * `TypeError` for a value of the wrong type, a `RangeError` for a number out of range. Every
 * message has the form "function: argument must be <what is expected>, got <value>", with the
 * value as the caller passed it (strings in quotes, never after `>>> 0` or `| 0`).
 */

/** The smallest and largest number a 32-bit register accepts (signed or unsigned reading). */
export const REGISTER_MIN = -0x80000000;
export const REGISTER_MAX = 0xffffffff;
const REGISTER_RANGE = `a 32-bit integer (${REGISTER_MIN} to ${REGISTER_MAX})`;

/** Describes `value` as received: numbers as `String(value)`, strings in quotes, objects by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n (a bigint)`;
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (value instanceof ArrayBuffer) return `an ArrayBuffer of ${value.byteLength} bytes`;
  if (typeof value === "object" && value !== null) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name !== "Object" ? `an object (${name})` : "an object";
  }
  return String(value);
}

/** Describes a number with its hex form beside it when it is a non-negative integer. */
export function describeNumber(value: unknown): string {
  const text = describeValue(value);
  return Number.isSafeInteger(value) && (value as number) >= 0
    ? `${text} (0x${(value as number).toString(16)})`
    : text;
}

/** Throws a TypeError unless `value` is a number. */
export function checkNumber(where: string, name: string, value: unknown, expected: string): void {
  if (typeof value !== "number") {
    throw new TypeError(`${where}: ${name} must be ${expected}, got ${describeValue(value)}`);
  }
}

/**
 * Returns whether `value` is an integer from -2^31 to 2^32 - 1: exactly the numbers that `>>> 0`
 * or `| 0` leave unchanged. Cheap enough for the per-system-call setters.
 */
export function isRegisterValue(value: unknown): boolean {
  // The typeof test comes first: `>>>` on a BigInt or a Symbol throws, and on an object it
  // would call the caller's valueOf.
  return typeof value === "number" && (value >>> 0 === value || (value | 0) === value);
}

/**
 * Checks a value for a 32-bit register (eip, eflags, cr2, a general register): an integer from
 * -2^31 to 2^32 - 1, so that both the signed and the unsigned reading are accepted.
 */
export function checkRegister(where: string, name: string, value: unknown): void {
  checkNumber(where, name, value, REGISTER_RANGE);
  const number = value as number;
  if (!Number.isInteger(number) || number < REGISTER_MIN || number > REGISTER_MAX) {
    throw new RangeError(
      `${where}: ${name} must be ${REGISTER_RANGE}, got ${describeValue(value)}`,
    );
  }
}

/** Checks that `value` is an integer from `min` to `max` (both included). */
export function checkInteger(
  where: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
): void {
  const expected = `an integer from ${min} to ${max}`;
  checkNumber(where, name, value, expected);
  const number = value as number;
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new RangeError(`${where}: ${name} must be ${expected}, got ${describeValue(value)}`);
  }
}

/** Throws a TypeError unless `value` is undefined or a function. */
export function checkOptionalFunction(where: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== "function") {
    throw new TypeError(`${where}: ${name} must be a function, got ${describeValue(value)}`);
  }
}
