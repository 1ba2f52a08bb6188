/**
 * The sizes a disk image can have, asked of mkfs itself rather than restated here.
 *
 * mkfs rejects a layout for reasons that depend on the geometry: too few blocks for the log,
 * inodes, bitmap and files, or (in the extended geometry) more bitmap blocks than one
 * transaction can free. That last rule caps an extended disk below the 2^23 blocks its
 * superblock can name. So the smallest and largest sizes are found by trying mkfs on a NullDevice, a device
 * that reads zeros and drops writes, which checks a layout without a file. A trial costs about a
 * millisecond, and the searches run only for an error message or the help text.
 *
 * Sizes are searched in steps of whole KiB that are also whole blocks (1 KiB in the xv6
 * geometry, 4 KiB in the extended one), so that every size suggested can be typed as `--size`.
 */
import {
  type BlockDevice,
  GEOMETRIES,
  type GeometryName,
  type MkfsEntry,
  mkfs,
} from "@xv6ts/fs-journal";
import { CliError } from "./errors";
import { formatSize, formatSizeOption, KiB } from "./sizes";

/** A device that reads zeros and drops writes: lets mkfs check a layout without a file. */
class NullDevice implements BlockDevice {
  constructor(
    readonly blockSize: number,
    readonly blockCount: number,
  ) {}
  read(_blockno: number, dst: Uint8Array): void {
    dst.fill(0);
  }
  write(): void {}
  flush(): void {}
  close(): void {}
}

/** Bytes of one step of the size searches: a whole number of KiB and of blocks. */
function sizeStep(geometry: GeometryName): number {
  return Math.max(KiB, GEOMETRIES[geometry].blockSize);
}

/** Returns whether mkfs lays out `steps` search steps of `geometry` holding `files`. */
function mkfsAccepts(geometry: GeometryName, files: MkfsEntry[], steps: number): boolean {
  const spec = GEOMETRIES[geometry];
  const blocks = (steps * sizeStep(geometry)) / spec.blockSize;
  try {
    mkfs(new NullDevice(spec.blockSize, blocks), { geometry, files, zeroDataBlocks: false });
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns the first step count in (low, high] for which `holds` is true, given that it is false
 * at `low`, true at `high`, and turns true only once in between.
 */
function firstTrue(holds: (steps: number) => boolean, low: number, high: number): number {
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (holds(middle)) high = middle;
    else low = middle;
  }
  return high;
}

/** Returns the fewest steps up to `maxSteps` that hold `files`, or null when none do. */
function fewestSteps(geometry: GeometryName, files: MkfsEntry[], maxSteps: number): number | null {
  const accepts = (steps: number) => mkfsAccepts(geometry, files, steps);
  let high = 1;
  while (high < maxSteps && !accepts(high)) high *= 2;
  high = Math.min(high, maxSteps);
  if (!accepts(high)) return null;
  if (high === 1) return 1;
  return firstTrue(accepts, Math.floor(high / 2), high);
}

const largestSizes = new Map<GeometryName, number>();

/**
 * Returns the largest image size in bytes that mkfs accepts for `geometry`: 8G for xv6 (the
 * 2^24 blocks its superblock can name) and 32128M for extended (251 bitmap blocks).
 */
export function largestImageSize(geometry: GeometryName): number {
  const known = largestSizes.get(geometry);
  if (known !== undefined) return known;
  const spec = GEOMETRIES[geometry];
  const step = sizeStep(geometry);
  const maxSteps = Math.floor((spec.maxSize * spec.blockSize) / step);
  const rejects = (steps: number) => !mkfsAccepts(geometry, [], steps);
  let largest = maxSteps;
  if (rejects(maxSteps)) {
    // mkfs rejects sizes below its smallest too, so the search starts at one it accepts.
    const smallest = fewestSteps(geometry, [], maxSteps) ?? 1;
    largest = firstTrue(rejects, smallest, maxSteps) - 1;
  }
  largestSizes.set(geometry, largest * step);
  return largest * step;
}

/** Returns the smallest image size in bytes that holds `files`, or null when none does. */
export function smallestImageSize(geometry: GeometryName, files: MkfsEntry[]): number | null {
  const step = sizeStep(geometry);
  const steps = fewestSteps(geometry, files, largestImageSize(geometry) / step);
  return steps === null ? null : steps * step;
}

/** Checks an image size in bytes against a geometry; returns it in blocks. */
export function checkImageSize(size: number, geometry: GeometryName): number {
  const spec = GEOMETRIES[geometry];
  if (size <= 0 || size % spec.blockSize !== 0) {
    throw new CliError(
      `invalid disk size ${size} bytes for the ${geometry} geometry; use a multiple of its ${spec.blockSize}-byte blocks, like 64M`,
    );
  }
  const largest = largestImageSize(geometry);
  if (size > largest) {
    throw new CliError(
      `the disk size ${formatSize(size)} is too large for the ${geometry} geometry; use --size ${formatSizeOption(largest)} or less`,
    );
  }
  return size / spec.blockSize;
}

/** Describes the sizes each geometry takes with `files`, for the help of mkfs. */
export function describeSizeRange(files: MkfsEntry[]): string {
  const range = (geometry: GeometryName) => {
    const smallest = smallestImageSize(geometry, files);
    const from = smallest === null ? "no size" : formatSizeOption(smallest);
    return `${from} to ${formatSizeOption(largestImageSize(geometry))}`;
  };
  return `the xv6 geometry takes ${range("xv6")}, the extended geometry ${range("extended")}`;
}
