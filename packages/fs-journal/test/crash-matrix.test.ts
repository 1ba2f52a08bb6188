/**
 * The exhaustive crash matrix. For each workload it crashes after every single block write,
 * then recovers, runs fsck and checks that the disk is exactly the state after the last commit
 * whose header reached it. The writes are applied in order, reordered between barriers, and
 * with the last write torn.
 * Every disk that has a commit to recover is also crashed during its recovery, after each
 * recovery write. The number of crash points explored is printed at the end.
 */
import { afterAll, describe, expect, test } from "vitest";
import { type CrashOptions, type FileSystem, type Inode, T_DEV, T_DIR, T_FILE } from "../src/index";
import { record, type SweepResult, sweep, type Workload } from "./crash-harness";

function bytes(length: number, seed: number): Uint8Array {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = (i * 31 + seed * 7 + (i >> 9)) & 0xff;
  return data;
}

/** Runs work inside one operation. */
function op(fs: FileSystem, work: () => void, reserve?: number): void {
  fs.beginOp(reserve);
  try {
    work();
  } finally {
    fs.endOp();
  }
}

/** Opens (or creates) a file inside an operation and returns it referenced. */
function open(fs: FileSystem, path: string): Inode {
  let ip: Inode | null = null;
  op(fs, () => {
    ip = fs.create(path, T_FILE, 0, 0);
  });
  if (ip === null) throw new Error(`open: cannot create ${path}`);
  return ip;
}

function close(fs: FileSystem, ip: Inode): void {
  op(fs, () => fs.iput(ip));
}

/** Returns steps that write as the kernel's write() does: one transaction per maxWriteBytes. */
function writeSteps(
  getIp: () => Inode,
  data: Uint8Array,
  at: number,
  chunk: number,
): ((fs: FileSystem) => void)[] {
  const steps: ((fs: FileSystem) => void)[] = [];
  for (let off = 0; off < data.length; off += chunk) {
    const piece = data.subarray(off, Math.min(off + chunk, data.length));
    steps.push((fs) =>
      op(fs, () => {
        const wrote = fs.writei(getIp(), piece, at + off, piece.length);
        if (wrote !== piece.length) throw new Error(`writei wrote ${wrote} of ${piece.length}`);
      }),
    );
  }
  return steps;
}

function createStep(path: string, type: number, content?: Uint8Array): (fs: FileSystem) => void {
  return (fs) =>
    op(fs, () => {
      const ip = fs.create(path, type, type === T_DEV ? 1 : 0, type === T_DEV ? 1 : 0);
      if (ip === null) throw new Error(`create ${path} failed`);
      if (content) fs.writei(ip, content, 0, content.length);
      fs.iput(ip);
    });
}

function unlinkStep(path: string): (fs: FileSystem) => void {
  return (fs) =>
    op(fs, () => {
      if (!fs.unlink(path)) throw new Error(`unlink ${path} failed`);
    });
}

function linkStep(from: string, to: string): (fs: FileSystem) => void {
  return (fs) =>
    op(fs, () => {
      if (!fs.link(from, to)) throw new Error(`link ${from} ${to} failed`);
    });
}

/** Returns open and close steps for a file kept open across steps, as by a process's descriptor. */
function openFile(path: string): {
  get: () => Inode;
  open: (fs: FileSystem) => void;
  close: (fs: FileSystem) => void;
} {
  let ip: Inode | null = null;
  return {
    get: () => ip!,
    open: (fs) => {
      ip = open(fs, path);
    },
    close: (fs) => close(fs, ip!),
  };
}

function xv6Workloads(): Workload[] {
  const boundary = openFile("/boundary");
  const appended = openFile("/log.txt");
  const big = openFile("/big");
  const packed = openFile("/packed");
  const p1 = openFile("/p1");
  const p2 = openFile("/p2");
  return [
    {
      name: "xv6 create",
      geometry: "xv6",
      size: 1000,
      steps: [
        createStep("/a", T_FILE, bytes(100, 1)),
        createStep("/b", T_FILE),
        createStep("/console", T_DEV),
      ],
    },
    {
      name: "xv6 write across the direct/indirect boundary",
      geometry: "xv6",
      size: 1000,
      files: [{ path: "/boundary", data: bytes(11 * 512 + 100, 2) }],
      steps: [
        boundary.open,
        ...writeSteps(boundary.get, bytes(3 * 1536, 3), 11 * 512 + 100, 1536),
        boundary.close,
      ],
    },
    {
      name: "xv6 append",
      geometry: "xv6",
      size: 1000,
      files: [{ path: "/log.txt", data: bytes(500, 4) }],
      steps: [
        appended.open,
        ...[0, 1, 2, 3].flatMap((i) =>
          writeSteps(appended.get, bytes(100, 5 + i), 500 + 100 * i, 1536),
        ),
        appended.close,
      ],
    },
    {
      name: "xv6 unlink",
      geometry: "xv6",
      size: 1000,
      files: [
        { path: "/large", data: bytes(60 * 512, 6) },
        { path: "/small", data: bytes(10, 7) },
        { path: "/twice", data: bytes(700, 8) },
      ],
      steps: [
        linkStep("/twice", "/again"),
        unlinkStep("/large"),
        unlinkStep("/small"),
        unlinkStep("/twice"),
      ],
    },
    {
      name: "xv6 mkdir and rmdir",
      geometry: "xv6",
      size: 1000,
      steps: [
        createStep("/d", T_DIR),
        createStep("/d/e", T_DIR),
        createStep("/d/e/f", T_FILE, bytes(600, 9)),
        unlinkStep("/d/e/f"),
        unlinkStep("/d/e"),
        unlinkStep("/d"),
      ],
    },
    {
      name: "xv6 link",
      geometry: "xv6",
      size: 1000,
      files: [
        { path: "/a", data: bytes(2000, 10) },
        { path: "/dir", directory: true },
      ],
      steps: [linkStep("/a", "/b"), linkStep("/a", "/dir/c"), unlinkStep("/a"), unlinkStep("/b")],
    },
    {
      name: "xv6 large write split into many transactions",
      geometry: "xv6",
      size: 1000,
      steps: [big.open, ...writeSteps(big.get, bytes(40 * 1024, 11), 0, 1536), big.close],
    },
    {
      name: "xv6 large write packed to the log's capacity",
      geometry: "xv6",
      size: 1000,
      steps: [packed.open, ...packedWriteSteps(packed.get, bytes(30 * 1024, 12), 29), packed.close],
    },
    {
      name: "xv6 operations of several processes interleaved",
      geometry: "xv6",
      size: 1000,
      files: [{ path: "/victim", data: bytes(3000, 13) }],
      steps: [
        p1.open,
        p2.open,
        ...interleave(
          writeSteps(p1.get, bytes(4 * 1536, 14), 0, 1536),
          writeSteps(p2.get, bytes(3 * 1536, 15), 0, 1536),
        ),
        createStep("/tmpfile", T_FILE, bytes(50, 16)),
        groupCommitStep(p1.get, p2.get),
        unlinkStep("/victim"),
        p1.close,
        p2.close,
      ],
    },
  ];
}

/** Steps writing as the checkpoint writer does: each transaction packed with blocksForWrite. */
function packedWriteSteps(
  getIp: () => Inode,
  data: Uint8Array,
  capacity: number,
): ((fs: FileSystem) => void)[] {
  const steps: ((fs: FileSystem) => void)[] = [];
  const state = { off: 0 };
  // Enough steps for the data; a step with nothing left to write does nothing.
  for (let i = 0; i < Math.ceil(data.length / 512 / (capacity - 4)) + 1; i++) {
    steps.push((fs) => {
      if (state.off >= data.length) return;
      op(
        fs,
        () => {
          let n = Math.min(data.length - state.off, (capacity - 2) * fs.blockSize);
          while (fs.blocksForWrite(getIp(), state.off, n) > capacity) n -= fs.blockSize;
          const wrote = fs.writei(getIp(), data.subarray(state.off, state.off + n), state.off, n);
          if (wrote !== n) throw new Error(`packed writei wrote ${wrote} of ${n}`);
          state.off += n;
        },
        capacity,
      );
    });
  }
  return steps;
}

/** Two processes' operations open at once, committing together when the second ends. */
function groupCommitStep(a: () => Inode, b: () => Inode): (fs: FileSystem) => void {
  return (fs) => {
    fs.beginOp();
    fs.beginOp();
    fs.writei(a(), bytes(700, 17), a().size, 700);
    fs.writei(b(), bytes(300, 18), b().size, 300);
    fs.endOp();
    fs.endOp();
  };
}

function interleave<T>(first: T[], second: T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < Math.max(first.length, second.length); i++) {
    if (i < first.length) out.push(first[i]!);
    if (i < second.length) out.push(second[i]!);
  }
  return out;
}

function extendedWorkloads(): Workload[] {
  const boundary = openFile("/boundary");
  const doubly = openFile("/doubly");
  const big = openFile("/big");
  return [
    {
      name: "extended create, link, mkdir, unlink",
      geometry: "extended",
      size: 400,
      ninodes: 64,
      files: [{ path: "/old", data: bytes(20_000, 20) }],
      steps: [
        createStep("/a", T_FILE, bytes(5000, 21)),
        createStep("/d", T_DIR),
        linkStep("/a", "/d/b"),
        unlinkStep("/a"),
        unlinkStep("/old"),
        unlinkStep("/d/b"),
        unlinkStep("/d"),
      ],
    },
    {
      name: "extended write across the direct/indirect boundary",
      geometry: "extended",
      size: 400,
      ninodes: 64,
      files: [{ path: "/boundary", data: bytes(10 * 4096 + 7, 22) }],
      steps: [
        boundary.open,
        ...writeSteps(boundary.get, bytes(3 * 4096, 23), 10 * 4096 + 7, 4096),
        boundary.close,
      ],
    },
    {
      name: "extended write across the indirect/double-indirect boundary",
      geometry: "extended",
      size: 1400,
      ninodes: 64,
      files: [{ path: "/doubly", data: bytes(1033 * 4096, 24) }],
      steps: [
        doubly.open,
        ...writeSteps(doubly.get, bytes(4 * 4096, 25), 1033 * 4096, 2 * 4096),
        doubly.close,
      ],
    },
    {
      name: "extended large write split into many transactions",
      geometry: "extended",
      size: 400,
      ninodes: 64,
      steps: [big.open, ...writeSteps(big.get, bytes(90 * 4096, 26), 0, 27 * 4096), big.close],
    },
  ];
}

/** Transactions that fill the 256-block log, so the header's entries span all eight sectors. */
function extendedPackedWorkload(): Workload {
  const packed = openFile("/packed");
  return {
    name: "extended large write packed to the log's capacity",
    geometry: "extended",
    size: 800,
    ninodes: 64,
    steps: [packed.open, ...packedWriteSteps(packed.get, bytes(400 * 4096, 27), 256), packed.close],
  };
}

const totals = { points: 0, recoveryPoints: 0, tornHeaders: 0 };

function runMatrix(
  workload: Workload,
  variants: { options: CrashOptions; recoveryEvery: number }[],
): void {
  const recording = record(workload);
  expect(recording.states.length).toBe(recording.commitWrites.length + 1);
  const failures: string[] = [];
  for (const variant of variants) {
    const result: SweepResult = sweep(
      workload.name,
      recording,
      variant.options,
      variant.recoveryEvery,
    );
    totals.points += result.points;
    totals.recoveryPoints += result.recoveryPoints;
    totals.tornHeaders += result.tornHeaders;
    failures.push(...result.failures);
    expect(result.points).toBe(recording.crash.writeCount + 1);
  }
  expect(failures).toEqual([]);
}

describe("crash matrix", () => {
  afterAll(() => {
    console.info(
      `crash matrix: ${totals.points} crash points after a write, ${totals.recoveryPoints} during recovery, ` +
        `${totals.tornHeaders} with a torn commit header; ${totals.points + totals.recoveryPoints} in all`,
    );
  });

  for (const workload of xv6Workloads()) {
    test(`${workload.name} survives a crash after every write`, { tags: ["slow"] }, () => {
      runMatrix(workload, [
        { options: {}, recoveryEvery: 1 },
        { options: { reorder: true, seed: 7 }, recoveryEvery: 0 },
      ]);
    });
  }

  for (const workload of extendedWorkloads()) {
    test(`${workload.name} survives a crash after every write`, { tags: ["slow"] }, () => {
      runMatrix(workload, [
        { options: {}, recoveryEvery: 1 },
        { options: { tear: true, seed: 3 }, recoveryEvery: 1 },
        { options: { tear: true, reorder: true, seed: 5 }, recoveryEvery: 0 },
      ]);
    });
  }

  const packed = extendedPackedWorkload();
  test(`${packed.name} survives a crash after every write`, { tags: ["slow"] }, () => {
    runMatrix(packed, [
      { options: {}, recoveryEvery: 40 },
      { options: { tear: true, seed: 11 }, recoveryEvery: 40 },
      { options: { tear: true, reorder: true, seed: 13 }, recoveryEvery: 0 },
    ]);
  });

  test("torn commit headers were part of the matrix", { tags: ["slow"] }, () => {
    expect(totals.tornHeaders).toBeGreaterThan(0);
  });
});
