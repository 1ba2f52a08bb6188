/**
 * Checkpoint benchmark (tinybench). Figures, all measured in one run, on a kernel with 64 MiB of
 * memory and the deterministic clock, on a 64 MiB memory disk of the extended geometry:
 *
 * - checkpoint time of a process of 64 KiB, 1 MiB and 16 MiB (`ctfill`, whose every page contains a
 *   pattern), through the host API: freeze, capture, encode, write, thaw;
 * - restart time of each image from the shell: `restart` typed into sh until the restarted process
 *   reads the console again (fork and exec of the `restart` program included);
 * - writing each image's bytes through the same file system with the packed writer of this
 *   package and with one transaction per KiB, as earlier xv6 checkpoint work did: time,
 *   transactions, and device block writes per block of image (write amplification), with ratios;
 * - the same write comparison on a disk of the xv6 geometry (512-byte blocks, 30-block log) for
 *   the 64 KiB image, the largest size of the three that fits an xv6 file (70 KiB);
 * - the comparison for the 1 MiB image on a disk file in the system's temporary folder, where
 *   every log barrier is an fsync, so that the cost of many small transactions shows in time.
 *
 * Run: pnpm bench (from packages/checkpoint). Times are medians: of 21 checkpoints after 3
 * warm-up calls, and of 5 calls after 1 for the rest (3 on the disk file).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type BlockDevice,
  FileDevice,
  FileSystem,
  type MemoryDevice,
  T_FILE,
} from "@xv6ts/fs-journal";
import { Bench, type Task } from "tinybench";
import { type Figure, writeReport } from "../../../bench/report.ts";
import { checkpointProcess, writeImageFile } from "../src/index.ts";
import { makeDisk, Session } from "../test/session.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
/** Process sizes to measure, and the bytes of ctfill's own program, guard and stack pages. */
const SIZES = [64 * KiB, 1 * MiB, 16 * MiB];
const CTFILL_BASE_BYTES = 12 * KiB;
const DISK_BLOCKS = 16384;
/** Bytes per transaction of the baseline writer. */
const BASELINE_CHUNK = 1 * KiB;

function medianMs(task: Task | undefined): number {
  const result = task?.result;
  if (result === undefined || !("latency" in result)) {
    throw new Error(`benchmark task ${task?.name ?? "(missing)"} did not complete`);
  }
  return result.latency.p50;
}

function label(bytes: number): string {
  return bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`;
}

/** Writes `bytes` to a new file at `path` with one transaction per KiB; returns transactions. */
function writeOneKiBPerTransaction(fs: FileSystem, path: string, bytes: Uint8Array): number {
  fs.beginOp();
  const ip = fs.create(path, T_FILE, 0, 0);
  if (ip !== null && ip.size > 0) fs.itrunc(ip);
  fs.endOp();
  if (ip === null) throw new Error(`baseline: cannot create ${path}`);
  let transactions = 1;
  for (let offset = 0; offset < bytes.length; offset += BASELINE_CHUNK) {
    const length = Math.min(BASELINE_CHUNK, bytes.length - offset);
    fs.beginOp();
    const written = fs.writei(ip, bytes.subarray(offset, offset + length), offset, length);
    fs.endOp();
    transactions++;
    if (written !== length) throw new Error(`baseline: the disk is full at ${offset} bytes`);
  }
  fs.beginOp();
  fs.iput(ip);
  fs.endOp();
  return transactions + 1;
}

interface WriteComparison {
  packedMs: number;
  baselineMs: number;
  packedTransactions: number;
  baselineTransactions: number;
  /** Device block writes per block of image. */
  packedAmplification: number;
  baselineAmplification: number;
}

/**
 * Returns `count` copies of `image`, each byte XORed with `first`, `first + 1` and so on, so that
 * no two copies have a byte in common at the same offset. The file system writes nothing for a
 * logged block whose bytes did not change, and each call reuses the blocks the previous one
 * freed, so writing the same bytes again would measure that shortcut instead of the writer.
 */
function distinctCopies(image: Uint8Array, count: number, first: number): Uint8Array[] {
  return Array.from({ length: count }, (_, k) => image.map((byte) => byte ^ (first + k)));
}

/** Writes `image` both ways on `fs` (whose device is `device`), timing and counting each. */
async function compareWriters(
  fs: FileSystem,
  device: BlockDevice & { stats: { writes: number } },
  image: Uint8Array,
  iterations = 5,
): Promise<WriteComparison> {
  const imageBlocks = Math.ceil(image.length / fs.blockSize);
  // One copy per call, warm-up included, and none shared between the two writers.
  const packedCopies = distinctCopies(image, iterations + 1, 1);
  const baselineCopies = distinctCopies(image, iterations + 1, 1 + iterations + 1);

  let packedCalls = 0;
  let baselineCalls = 0;
  let packedTransactions = 0;
  let baselineTransactions = 0;
  let packedWrites = 0;
  let baselineWrites = 0;

  const bench = new Bench({ iterations, time: 0, warmupIterations: 1, warmupTime: 0 });
  bench.add("packed", () => {
    const bytes = packedCopies[packedCalls++ % packedCopies.length]!;
    const before = device.stats.writes;
    const result = writeImageFile(fs, { path: "/packed.img" }, bytes, "bench");
    if (!result.ok) throw new Error(result.reason);
    packedTransactions = result.transactions;
    packedWrites = device.stats.writes - before;
  });
  bench.add("baseline", () => {
    const bytes = baselineCopies[baselineCalls++ % baselineCopies.length]!;
    const before = device.stats.writes;
    baselineTransactions = writeOneKiBPerTransaction(fs, "/baseline.img", bytes);
    baselineWrites = device.stats.writes - before;
  });
  await bench.run();
  return {
    packedMs: medianMs(bench.getTask("packed")),
    baselineMs: medianMs(bench.getTask("baseline")),
    packedTransactions,
    baselineTransactions,
    packedAmplification: packedWrites / imageBlocks,
    baselineAmplification: baselineWrites / imageBlocks,
  };
}

/** Boots a kernel and starts `ctfill` of `size` bytes in total; returns it waiting for input. */
async function startFill(
  device: MemoryDevice,
  size: number,
): Promise<{ session: Session; pid: number }> {
  const session = await Session.boot(device, { memorySize: 64 * MiB });
  const kib = (size - CTFILL_BASE_BYTES) / KiB;
  const output = await session.command(`ctfill ${kib}`);
  if (!output.includes(`ctfill: ${kib} KiB`)) throw new Error(`ctfill ${kib} failed: ${output}`);
  const pid = session.pidOf("ctfill");
  const sz = session.kernel.processes().find((p) => p.pid === pid)?.size;
  if (sz !== size)
    throw new Error(`ctfill has ${sz} bytes, expected ${size}; adjust CTFILL_BASE_BYTES`);
  return { session, pid };
}

/** Measures checkpoint and restart of a process of `size` bytes; returns the image too. */
async function measureProcess(
  size: number,
): Promise<{ checkpointMs: number; restartMs: number; image: Uint8Array }> {
  const { session, pid } = await startFill(makeDisk({ size: DISK_BLOCKS }), size);
  const bench = new Bench({ iterations: 21, time: 0, warmupIterations: 3, warmupTime: 0 });
  bench.add("checkpoint", () => {
    const saved = checkpointProcess(session.kernel, pid, "/bench.img");
    if (!saved.ok) throw new Error(saved.reason);
  });
  await bench.run();
  await session.run("q");

  const shellPid = session.consoleWaits[0]!;
  const restart = new Bench({ iterations: 5, time: 0, warmupIterations: 1, warmupTime: 0 });
  restart.add(
    "restart",
    async () => {
      const restarted = session.nextConsoleWait();
      session.type("restart /bench.img");
      if ((await restarted) === shellPid) throw new Error("the restart failed");
    },
    { afterEach: async () => void (await session.run("q")) },
  );
  await restart.run();

  const read = session.kernel.extension.fileSystem.readFile("/bench.img");
  await session.shutdown();
  if (!read.ok) throw new Error(read.reason);
  return {
    checkpointMs: medianMs(bench.getTask("checkpoint")),
    restartMs: medianMs(restart.getTask("restart")),
    image: read.value,
  };
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  const images: Uint8Array[] = [];
  for (const size of SIZES) {
    const { checkpointMs, restartMs, image } = await measureProcess(size);
    images.push(image);
    const name = `${label(size)} process`;
    figures.push({
      name: `checkpoint, ${name}`,
      value: checkpointMs,
      unit: "ms",
      note: `image ${image.length} bytes`,
    });
    figures.push({ name: `restart from sh, ${name}`, value: restartMs, unit: "ms" });

    const device = makeDisk({ size: DISK_BLOCKS });
    const fs = FileSystem.mount(device);
    addWriteFigures(figures, `${name}, extended`, await compareWriters(fs, device, image));
    fs.shutdown();
  }

  const xv6Device = makeDisk({ geometry: "xv6" });
  const xv6Fs = FileSystem.mount(xv6Device);
  addWriteFigures(
    figures,
    "64 KiB process, xv6",
    await compareWriters(xv6Fs, xv6Device, images[0]!),
  );
  xv6Fs.shutdown();

  const folder = mkdtempSync(join(tmpdir(), "xv6ts-checkpoint-bench-"));
  try {
    const path = join(folder, "disk.img");
    writeFileSync(path, makeDisk({ size: DISK_BLOCKS }).snapshot());
    const file = FileDevice.open(path);
    const fileFs = FileSystem.mount(file);
    const writes = await compareWriters(fileFs, file, images[1]!, 3);
    addWriteFigures(figures, "1 MiB process, extended, disk file", writes);
    fileFs.shutdown();
    file.close();
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  writeReport("@xv6ts/checkpoint", figures);
}

function addWriteFigures(figures: Figure[], name: string, writes: WriteComparison): void {
  figures.push(
    {
      name: `write packed, ${name}`,
      value: writes.packedMs,
      unit: "ms",
      note: `${writes.packedTransactions} transactions`,
    },
    {
      name: `write 1 KiB per transaction, ${name}`,
      value: writes.baselineMs,
      unit: "ms",
      note: `${writes.baselineTransactions} transactions`,
    },
    {
      name: `write time ratio, ${name}`,
      value: writes.baselineMs / writes.packedMs,
      unit: "x",
      note: "1 KiB per transaction / packed",
    },
    {
      name: `device writes per image block, packed, ${name}`,
      value: writes.packedAmplification,
      unit: "blocks",
    },
    {
      name: `device writes per image block, 1 KiB, ${name}`,
      value: writes.baselineAmplification,
      unit: "blocks",
    },
    {
      name: `write amplification ratio, ${name}`,
      value: writes.baselineAmplification / writes.packedAmplification,
      unit: "x",
      note: "1 KiB per transaction / packed",
    },
  );
}

await main();
