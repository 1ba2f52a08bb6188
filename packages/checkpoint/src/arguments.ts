/**
 * Type checks of the public functions' arguments. A JavaScript caller can pass anything, so each
 * public function checks its arguments before it changes anything. A value of the wrong type
 * raises a TypeError, and a pid that is NaN or a fraction a RangeError. The message names the
 * function, the argument and the value as received.
 *
 * A well-typed argument with a bad meaning (a path that names no file, an image that does not
 * decode) is not an argument error. Those come back as `{ ok: false, reason }`.
 */
import { describeValue, type Kernel } from "@xv6ts/kernel";

export { describeValue };

/** Raises a TypeError unless `kernel` has a kernel's extension API (a booted `Kernel`). */
export function checkKernel(owner: string, kernel: unknown): asserts kernel is Kernel {
  const extension = (kernel as { extension?: unknown } | null)?.extension;
  if (typeof kernel === "object" && typeof extension === "object" && extension !== null) return;
  throw new TypeError(
    `${owner}: kernel must be a Kernel of @xv6ts/kernel, got ${describeValue(kernel)}`,
  );
}

/** Raises a TypeError unless `fs` is a mounted `FileSystem` (it has `namei` and `beginOp`). */
export function checkFileSystem(owner: string, name: string, fs: unknown): void {
  const candidate = fs as Record<string, unknown> | null;
  const mounted =
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.namei === "function" &&
    typeof candidate.beginOp === "function";
  if (mounted) return;
  throw new TypeError(
    `${owner}: ${name} must be a mounted FileSystem of @xv6ts/fs-journal, got ${describeValue(fs)}`,
  );
}

/** Raises a TypeError unless `value` is a string. */
export function checkStringType(
  owner: string,
  name: string,
  value: unknown,
): asserts value is string {
  if (typeof value === "string") return;
  throw new TypeError(`${owner}: ${name} must be a string, got ${describeValue(value)}`);
}

/** Raises unless `pid` is an integer (TypeError for another type, RangeError for NaN or 1.5). */
export function checkPid(owner: string, pid: unknown): asserts pid is number {
  if (typeof pid !== "number") {
    throw new TypeError(`${owner}: pid must be a number, got ${describeValue(pid)}`);
  }
  if (!Number.isInteger(pid)) {
    throw new RangeError(`${owner}: pid ${describeValue(pid)} is not an integer`);
  }
}

/** Raises a TypeError unless `bytes` is a Uint8Array (a Node.js Buffer is one). */
export function checkBytes(owner: string, bytes: unknown): asserts bytes is Uint8Array {
  if (bytes instanceof Uint8Array) return;
  throw new TypeError(`${owner}: bytes must be a Uint8Array, got ${describeValue(bytes)}`);
}

/** Raises a TypeError unless `value` is a non-null object (not an array). */
function checkObject(owner: string, name: string, value: unknown): void {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return;
  throw new TypeError(`${owner}: ${name} must be an object, got ${describeValue(value)}`);
}

/** Raises a TypeError unless `value` is an array of objects. */
function checkObjectArray(owner: string, name: string, value: unknown): void {
  if (!Array.isArray(value)) {
    throw new TypeError(`${owner}: ${name} must be an array, got ${describeValue(value)}`);
  }
  for (const [i, element] of value.entries()) checkObject(owner, `${name}[${i}]`, element);
}

/**
 * Raises a TypeError unless `contents` has the shape of `ImageContents`: the objects, arrays and
 * strings the encoder walks. Numbers that do not fit their fields are `checkEncodable`'s matter.
 */
export function checkContentsShape(owner: string, contents: unknown): void {
  checkObject(owner, "contents", contents);
  const { process, registers, cwd, descriptors, pages } = contents as Record<string, unknown>;
  checkObject(owner, "contents.process", process);
  checkStringType(owner, "contents.process.name", (process as Record<string, unknown>).name);
  checkObject(owner, "contents.registers", registers);
  checkObject(owner, "contents.cwd", cwd);
  checkStringType(owner, "contents.cwd.path", (cwd as Record<string, unknown>).path);
  checkObjectArray(owner, "contents.descriptors", descriptors);
  for (const [i, descriptor] of (descriptors as Record<string, unknown>[]).entries()) {
    const path = descriptor.path;
    if (path === null || typeof path === "string") continue;
    throw new TypeError(
      `${owner}: contents.descriptors[${i}].path must be a string or null, got ${describeValue(path)}`,
    );
  }
  checkObjectArray(owner, "contents.pages", pages);
  for (const [i, page] of (pages as Record<string, unknown>[]).entries()) {
    const bytes = page.bytes;
    if (bytes === null || bytes instanceof Uint8Array) continue;
    throw new TypeError(
      `${owner}: contents.pages[${i}].bytes must be a Uint8Array or null, got ${describeValue(bytes)}`,
    );
  }
}
