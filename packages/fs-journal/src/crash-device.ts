/**
 * A test device that records every write and barrier, and rebuilds the disk as a crash would
 * have left it after any number of writes.
 *
 * The model of a disk: a write between two barriers (flush calls) may reach the platter in any
 * order relative to the other writes since the last barrier. A block larger than a 512-byte
 * sector may be torn, some sectors new and some old, if power fails while it is written. A
 * barrier makes everything before it durable. So the disk after "crash after the k-th write" is:
 * the image the device started with, every write issued before the last barrier that precedes
 * write k, and then of the writes since that barrier (up to write k)
 * - all of them in order (the default),
 * - a seeded random subset of them (reorder),
 * - with one of them torn: a seeded random proper subset of its sectors (tear).
 *
 * Recording mode passes every call through to the inner device, so the running file system sees
 * its own writes; crashStates() then replays prefixes of the recording onto copies of the
 * starting image. With crashAfter set, the device also stops a live run: the write after the
 * k-th raises DeviceCrashed, and nothing more reaches the inner device.
 */
import { requireCount, requireDevice } from "./arguments";
import type { BlockDevice } from "./devices";
import { checkAccess, MemoryDevice } from "./devices";

/** One recorded call: a write (with a copy of its data) or a barrier. */
export type DeviceEvent =
  | { readonly kind: "write"; readonly blockno: number; readonly data: Uint8Array }
  | { readonly kind: "flush" };

/** Options of a replayed crash: which writes issued since the last barrier reach the disk. */
export interface CrashOptions {
  /** Keep a random subset of the writes since the last barrier instead of all of them. */
  reorder?: boolean;
  /** Tear one of the kept writes: only some of its 512-byte sectors reach the disk. */
  tear?: boolean;
  /** Seed of the random choices; the same seed gives the same disks. */
  seed?: number;
}

/** The disk after a crash that followed `writes` writes. */
export interface CrashState {
  writes: number;
  device: MemoryDevice;
  /** Whether write i (0-based, in issue order) reached the disk whole. */
  applied(index: number): boolean;
  /** Index of the torn write, or -1. */
  torn: number;
}

/** Raised by a CrashDevice with crashAfter set once the crash point has passed. */
export class DeviceCrashed extends Error {
  override readonly name = "DeviceCrashed";
}

const SECTOR = 512;

/** xorshift32, enough to pick subsets reproducibly. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x100000000;
  };
}

/** A device that records writes and barriers, and replays them as a crash would leave the disk. */
export class CrashDevice implements BlockDevice {
  readonly blockSize: number;
  readonly blockCount: number;
  readonly events: DeviceEvent[] = [];
  private readonly inner: BlockDevice;
  private readonly base: Uint8Array;
  private readonly crashAfter: number;
  private writeTotal = 0;
  private flushTotal = 0;

  /** Records on top of inner, whose current contents are the starting image of every replay. */
  constructor(inner: BlockDevice, options: { crashAfter?: number } = {}) {
    requireDevice("CrashDevice", inner);
    if (options.crashAfter !== undefined) {
      requireCount("CrashDevice", "option crashAfter", options.crashAfter, 0);
    }
    this.inner = inner;
    this.blockSize = inner.blockSize;
    this.blockCount = inner.blockCount;
    this.crashAfter = options.crashAfter ?? Number.POSITIVE_INFINITY;
    this.base = readWholeDevice(inner);
  }

  /** Writes issued so far. */
  get writeCount(): number {
    return this.writeTotal;
  }

  /** Barriers (flush calls) issued so far. */
  get flushCount(): number {
    return this.flushTotal;
  }

  /** Whether a live run has passed its crash point. */
  get crashed(): boolean {
    return this.writeTotal >= this.crashAfter;
  }

  read(blockno: number, dst: Uint8Array): void {
    this.inner.read(blockno, dst);
  }

  write(blockno: number, src: Uint8Array): void {
    checkAccess(this, "write", blockno, src);
    if (this.crashed) {
      throw new DeviceCrashed(`write: the device crashed after ${this.crashAfter} writes`);
    }
    this.events.push({ kind: "write", blockno, data: src.slice() });
    this.writeTotal++;
    this.inner.write(blockno, src);
  }

  flush(): void {
    if (this.crashed) {
      throw new DeviceCrashed(`flush: the device crashed after ${this.crashAfter} writes`);
    }
    this.events.push({ kind: "flush" });
    this.flushTotal++;
    this.inner.flush();
  }

  close(): void {
    this.inner.close();
  }

  /** Returns a copy of the image the recording started from. */
  startingImage(): Uint8Array {
    return this.base.slice();
  }

  /** Returns the disk after a crash that followed `writes` writes (0 to writeCount). */
  crashState(writes: number, options: CrashOptions = {}): CrashState {
    if (!Number.isInteger(writes) || writes < 0 || writes > this.writeTotal) {
      throw new RangeError(`crashState: ${writes} is not between 0 and ${this.writeTotal} writes`);
    }
    for (const state of this.crashStates(options, writes, writes)) return state;
    throw new Error("crashState: no state was produced");
  }

  /**
   * Yields the disk after a crash at every write count from `from` to `to` (default: all, 0 to
   * writeCount). Each yielded device is a fresh copy that the caller may mount and change.
   */
  *crashStates(options: CrashOptions = {}, from = 0, to = this.writeTotal): Generator<CrashState> {
    const writes = this.writeEvents();
    const epochStart = epochStarts(this.events);
    const running = this.base.slice();
    let applied = 0;
    for (let k = from; k <= to; k++) {
      // Bring `running` to the image after every write before the epoch of write k.
      const stable = k === 0 ? 0 : epochStart[k - 1]!;
      while (applied < stable) this.applyWrite(running, writes[applied++]!);
      yield this.buildState(running, writes, stable, k, options);
    }
  }

  private buildState(
    running: Uint8Array,
    writes: { blockno: number; data: Uint8Array }[],
    stable: number,
    k: number,
    options: CrashOptions,
  ): CrashState {
    const random = randomSource(((options.seed ?? 1) * 0x9e3779b1 + k) >>> 0);
    const kept = new Uint8Array(k - stable);
    for (let i = 0; i < kept.length; i++) kept[i] = !options.reorder || random() < 0.5 ? 1 : 0;

    let torn = -1;
    const sectors = this.blockSize / SECTOR;
    if (options.tear && sectors > 1 && kept.length > 0) {
      const candidates: number[] = [];
      for (let i = 0; i < kept.length; i++) if (kept[i]) candidates.push(stable + i);
      const pick = options.reorder
        ? Math.floor(random() * candidates.length)
        : candidates.length - 1;
      if (candidates.length > 0) torn = candidates[pick]!;
    }

    const image = running.slice();
    for (let i = stable; i < k; i++) {
      if (!kept[i - stable]) continue;
      if (i === torn) this.applyTornWrite(image, writes[i]!, random);
      else this.applyWrite(image, writes[i]!);
    }
    return {
      writes: k,
      device: new MemoryDevice(this.blockCount, this.blockSize, image),
      applied: (index) =>
        index >= 0 && index < k && index !== torn && (index < stable || kept[index - stable] === 1),
      torn,
    };
  }

  private writeEvents(): { blockno: number; data: Uint8Array }[] {
    const writes: { blockno: number; data: Uint8Array }[] = [];
    for (const event of this.events) if (event.kind === "write") writes.push(event);
    return writes;
  }

  private applyWrite(image: Uint8Array, write: { blockno: number; data: Uint8Array }): void {
    image.set(write.data, write.blockno * this.blockSize);
  }

  /** Applies a nonempty proper subset of the write's sectors, so the block is really torn. */
  private applyTornWrite(
    image: Uint8Array,
    write: { blockno: number; data: Uint8Array },
    random: () => number,
  ): void {
    const sectors = this.blockSize / SECTOR;
    const all = (1 << sectors) - 1;
    const mask = 1 + Math.floor(random() * (all - 1));
    for (let s = 0; s < sectors; s++) {
      if (!(mask & (1 << s))) continue;
      const from = s * SECTOR;
      image.set(write.data.subarray(from, from + SECTOR), write.blockno * this.blockSize + from);
    }
  }
}

/**
 * For each write (by index), the number of writes issued before the last barrier that precedes
 * it: writes below that number are durable when this write is issued.
 */
function epochStarts(events: DeviceEvent[]): number[] {
  const starts: number[] = [];
  let writes = 0;
  let stable = 0;
  for (const event of events) {
    if (event.kind === "flush") {
      stable = writes;
    } else {
      starts.push(stable);
      writes++;
    }
  }
  return starts;
}

function readWholeDevice(device: BlockDevice): Uint8Array {
  if (device instanceof MemoryDevice) return device.snapshot();
  const image = new Uint8Array(device.blockCount * device.blockSize);
  const block = new Uint8Array(device.blockSize);
  for (let b = 0; b < device.blockCount; b++) {
    device.read(b, block);
    image.set(block, b * device.blockSize);
  }
  return image;
}
