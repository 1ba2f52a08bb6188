/**
 * fs-journal benchmark (tinybench). Figures, all measured in one run, for both geometries on a
 * memory device and on a file device in the system's temporary directory (where each barrier
 * is an fsync):
 *
 * - file creates per second: one transaction per create, as xv6's open(O_CREATE) does;
 * - sequential write throughput for 1 MiB, written two ways: split into transactions of
 *   maxWriteBytes as the write system call does, and packed to the log's capacity with
 *   blocksForWrite as writeFile and the checkpoint writer do;
 * - write amplification: device blocks written per block of file data, for a 100-byte file
 *   (create and write in one transaction) and for 1 MiB written both ways. This one is counted,
 *   not timed, so it is the same on every machine.
 *
 * An xv6 file holds at most 70 KiB, so 1 MiB on the xv6 geometry is fifteen files of 69,905
 * bytes (the last 69,921), on an 8000-block disk rather than the default 1000.
 *
 * Run: pnpm bench (from packages/fs-journal). A rate is the work of one call over the median call
 * time; the median, because a shared machine preempts a few calls.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bench, type Task } from "tinybench";
import { type Figure, writeReport } from "../../../bench/report.ts";
import {
  type BlockDevice,
  FileDevice,
  FileSystem,
  type GeometryName,
  type Inode,
  MemoryDevice,
  mkfs,
  T_FILE,
} from "../src/index.ts";

const MiB = 1024 * 1024;
const CREATES = 40;
const SIZES: Record<GeometryName, number> = { xv6: 8000, extended: 2048 };
const dir = mkdtempSync(join(tmpdir(), "fs-journal-bench-"));

type DeviceKind = "memory" | "file";

/** Makes a fresh, formatted device of the geometry; a file device lives in the temporary directory. */
function freshDevice(
  geometry: GeometryName,
  kind: DeviceKind,
): BlockDevice & { stats: { writes: number } } {
  const blockSize = geometry === "xv6" ? 512 : 4096;
  const size = SIZES[geometry];
  const device =
    kind === "memory"
      ? new MemoryDevice(size, blockSize)
      : FileDevice.create(join(dir, `${geometry}.img`), size, blockSize, { overwrite: true });
  mkfs(device, { geometry, ninodes: 200, zeroDataBlocks: false });
  return device;
}

function pattern(length: number): Uint8Array {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = (i * 29) & 0xff;
  return data;
}

/** Returns the file sizes 1 MiB is written as: one file in extended, fifteen under xv6's 70 KiB limit. */
function pieces(fs: FileSystem): number[] {
  if (fs.layout.maxFileBytes >= MiB) return [MiB];
  const count = Math.ceil(MiB / fs.layout.maxFileBytes);
  const each = Math.floor(MiB / count);
  return Array.from({ length: count }, (_, i) =>
    i === count - 1 ? MiB - each * (count - 1) : each,
  );
}

function createFiles(fs: FileSystem, count: number): void {
  for (let i = 0; i < count; i++) {
    fs.beginOp();
    const ip = fs.create(`/c${i}`, T_FILE, 0, 0);
    if (ip === null) throw new Error(`create /c${i} failed`);
    fs.iput(ip);
    fs.endOp();
  }
}

/** Writes like the write system call: one transaction per maxWriteBytes. */
function writeSplit(fs: FileSystem, path: string, data: Uint8Array): void {
  fs.beginOp();
  const ip: Inode | null = fs.create(path, T_FILE, 0, 0);
  fs.endOp();
  if (ip === null) throw new Error(`create ${path} failed`);
  for (let off = 0; off < data.length; off += fs.maxWriteBytes) {
    const n = Math.min(fs.maxWriteBytes, data.length - off);
    fs.beginOp();
    const wrote = fs.writei(ip, data.subarray(off, off + n), off, n);
    fs.endOp();
    if (wrote !== n) throw new Error(`write of ${path} stopped at ${off + wrote}`);
  }
  fs.beginOp();
  fs.iput(ip);
  fs.endOp();
}

function writePacked(fs: FileSystem, path: string, data: Uint8Array): void {
  const result = fs.writeFile(path, data);
  if (!result.ok) throw new Error(result.reason);
}

function writeMiB(fs: FileSystem, how: "split" | "packed"): void {
  for (const [i, size] of pieces(fs).entries()) {
    const data = pattern(size);
    if (how === "split") writeSplit(fs, `/w${i}`, data);
    else writePacked(fs, `/w${i}`, data);
  }
}

/** Returns the device blocks `work` writes per block of file data, on a fresh memory image. */
function amplification(
  geometry: GeometryName,
  dataBytes: number,
  work: (fs: FileSystem) => void,
): number {
  const device = freshDevice(geometry, "memory");
  const fs = FileSystem.mount(device);
  const before = device.stats.writes;
  work(fs);
  return (device.stats.writes - before) / Math.ceil(dataBytes / fs.blockSize);
}

function medianMs(task: Task | undefined): number {
  const result = task?.result;
  if (result === undefined || !("latency" in result)) {
    throw new Error(`benchmark task ${task?.name ?? "(missing)"} did not complete`);
  }
  return result.latency.p50;
}

/** Adds a task whose every call starts from a freshly formatted device (not timed). */
function addTask(
  bench: Bench,
  name: string,
  geometry: GeometryName,
  kind: DeviceKind,
  work: (fs: FileSystem) => void,
): void {
  let fs: FileSystem | null = null;
  let device: BlockDevice | null = null;
  bench.add(name, () => work(fs!), {
    beforeEach: () => {
      device = freshDevice(geometry, kind);
      fs = FileSystem.mount(device);
    },
    afterEach: () => {
      fs?.shutdown();
      device?.close();
    },
  });
}

const geometries: GeometryName[] = ["xv6", "extended"];
const kinds: DeviceKind[] = ["memory", "file"];
const bench = new Bench({ time: 1500, iterations: 5, warmupIterations: 2 });
for (const geometry of geometries) {
  for (const kind of kinds) {
    addTask(bench, `${geometry} ${kind} creates`, geometry, kind, (fs) => createFiles(fs, CREATES));
    addTask(bench, `${geometry} ${kind} split`, geometry, kind, (fs) => writeMiB(fs, "split"));
    addTask(bench, `${geometry} ${kind} packed`, geometry, kind, (fs) => writeMiB(fs, "packed"));
  }
}
bench.runSync();
const task = (name: string): Task | undefined => bench.tasks.find((t) => t.name === name);

const figures: Figure[] = [];
for (const geometry of geometries) {
  for (const kind of kinds) {
    const where = `${geometry}, ${kind} device`;
    figures.push({
      name: `creates, ${where}`,
      value: (CREATES / medianMs(task(`${geometry} ${kind} creates`))) * 1000,
      unit: "files/s",
      note: "one transaction per create",
    });
    const split = medianMs(task(`${geometry} ${kind} split`));
    const packed = medianMs(task(`${geometry} ${kind} packed`));
    figures.push({
      name: `1 MiB split write, ${where}`,
      value: 1000 / split,
      unit: "MiB/s",
      note: "maxWriteBytes per transaction",
    });
    figures.push({
      name: `1 MiB packed write, ${where}`,
      value: 1000 / packed,
      unit: "MiB/s",
      note: "log capacity per transaction",
    });
    figures.push({
      name: `packed over split, ${where}`,
      value: split / packed,
      unit: "x",
      note: "speed-up from packing",
    });
  }
  const memory = medianMs(task(`${geometry} memory packed`));
  const file = medianMs(task(`${geometry} file packed`));
  figures.push({
    name: `file over memory device, ${geometry} packed`,
    value: file / memory,
    unit: "x",
    note: "cost of fsync and system calls",
  });
  figures.push({
    name: `amplification, 100 B file, ${geometry}`,
    value: amplification(geometry, 100, (fs) => writePacked(fs, "/small", pattern(100))),
    unit: "blocks/block",
    note: "device writes per data block, create and write in one transaction",
  });
  figures.push({
    name: `amplification, 1 MiB split, ${geometry}`,
    value: amplification(geometry, MiB, (fs) => writeMiB(fs, "split")),
    unit: "blocks/block",
    note: "device writes per data block",
  });
  figures.push({
    name: `amplification, 1 MiB packed, ${geometry}`,
    value: amplification(geometry, MiB, (fs) => writeMiB(fs, "packed")),
    unit: "blocks/block",
    note: "device writes per data block",
  });
}
const xv6 = medianMs(task("xv6 memory packed"));
const extended = medianMs(task("extended memory packed"));
figures.push({
  name: "extended over xv6, memory packed write",
  value: xv6 / extended,
  unit: "x",
  note: "4 KiB blocks over 512 B",
});

rmSync(dir, { recursive: true, force: true });
writeReport("@xv6ts/fs-journal", figures);
