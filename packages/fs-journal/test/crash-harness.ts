/**
 * The crash matrix's machinery. It records a workload's writes once, then rebuilds the disk as a
 * crash after every single write would leave it. It recovers each such disk, checks it with fsck
 * and compares it with the state after the last transaction whose commit record reached it.
 *
 * A workload is a list of steps; each step runs at most one commit on the live file system (a
 * step may still hold several operations that commit together). After each step the harness
 * describes the live disk, so describe(state after c commits) is the expected contents of any
 * crash image whose recovery finds c commits. The description covers every path with its type,
 * inode number, link count, size and a SHA-1 of its contents, plus the free block count,
 * so a block allocated but not linked, or linked but not written, shows up as a difference.
 */
import { createHash } from "node:crypto";
import { decodeLogHeader } from "../src/format";
import {
  CrashDevice,
  type CrashOptions,
  FileSystem,
  fsck,
  type GeometryName,
  MemoryDevice,
  type MkfsEntry,
  mkfs,
  T_DIR,
} from "../src/index";

export interface Workload {
  name: string;
  geometry: GeometryName;
  size: number;
  ninodes?: number;
  files?: MkfsEntry[];
  /** Each step brackets its own operations with beginOp/endOp and commits at most once. */
  steps: ((fs: FileSystem) => void)[];
}

export interface Recording {
  crash: CrashDevice;
  /** describe() of the disk after 0, 1, 2 ... commits. */
  states: string[];
  /** Write indices of each commit's header write (n > 0), in order. */
  commitWrites: number[];
  /** Write indices of each commit's final header clear; endOp returns after it. */
  clearWrites: number[];
}

/** Describes everything a user of the file system can observe, one line per path. */
export function describe(device: MemoryDevice): string {
  const fs = FileSystem.mount(device, { readOnly: true });
  const lines: string[] = [`free blocks ${fs.freeBlocks()}`];
  let inodes = 0;
  const walk = (path: string): void => {
    const listing = fs.listDir(path);
    if (!listing.ok) throw new Error(`describe: ${listing.reason}`);
    for (const entry of listing.value) {
      if (entry.name === "." || entry.name === "..") continue;
      const child = `${path === "/" ? "" : path}/${entry.name}`;
      inodes++;
      let digest = "-";
      if (entry.type !== T_DIR) {
        const data = fs.readFile(child);
        if (!data.ok) throw new Error(`describe: ${data.reason}`);
        digest = createHash("sha1").update(data.value).digest("hex");
      }
      lines.push(
        `${child} type ${entry.type} inode ${entry.inum} nlink ${entry.nlink} size ${entry.size} sha1 ${digest}`,
      );
      if (entry.type === T_DIR) walk(child);
    }
  };
  walk("/");
  lines.push(`names ${inodes}`);
  return lines.join("\n");
}

/** Makes the starting image, runs the workload on a recording device and describes each commit. */
export function record(workload: Workload): Recording {
  const blockSize = workload.geometry === "xv6" ? 512 : 4096;
  const base = new MemoryDevice(workload.size, blockSize);
  mkfs(base, {
    geometry: workload.geometry,
    ...(workload.ninodes === undefined ? {} : { ninodes: workload.ninodes }),
    files: workload.files ?? [],
    zeroDataBlocks: false,
  });
  const crash = new CrashDevice(base);
  const fs = FileSystem.mount(crash);
  const logstart = fs.superblock.logstart;
  const states = [describe(base)];
  for (const [index, step] of workload.steps.entries()) {
    const commitsBefore = countCommits(crash, logstart, workload.geometry).commits.length;
    step(fs);
    if (fs.inTransaction) throw new Error(`${workload.name}: step ${index} left an operation open`);
    const commits = countCommits(crash, logstart, workload.geometry).commits.length;
    if (commits > commitsBefore + 1)
      throw new Error(`${workload.name}: step ${index} committed ${commits - commitsBefore} times`);
    if (commits > commitsBefore) states.push(describe(base));
  }
  fs.shutdown();
  const { commits, clears } = countCommits(crash, logstart, workload.geometry);
  return { crash, states, commitWrites: commits, clearWrites: clears };
}

/** Finds the header writes in a recording: commit points (n > 0) and clears (n = 0). */
function countCommits(
  crash: CrashDevice,
  logstart: number,
  geometry: GeometryName,
): { commits: number[]; clears: number[] } {
  const commits: number[] = [];
  const clears: number[] = [];
  let index = 0;
  for (const event of crash.events) {
    if (event.kind !== "write") continue;
    if (event.blockno === logstart) {
      const header = decodeLogHeader(geometry, event.data);
      if (header.n > 0) commits.push(index);
      else if (commits.length > clears.length) clears.push(index);
    }
    index++;
  }
  return { commits, clears };
}

/** The outcome of one sweep over the crash points. */
export interface SweepResult {
  points: number;
  recoveryPoints: number;
  tornHeaders: number;
  failures: string[];
}

/**
 * Crashes the recording after every write under `options`, recovers, and checks each disk.
 * When recoveryEvery is n > 0, every n-th disk that has a commit to recover is also recovered
 * on a recording device whose every write is then crashed after, and recovered again.
 */
export function sweep(
  name: string,
  recording: Recording,
  options: CrashOptions,
  recoveryEvery: number,
): SweepResult {
  const result: SweepResult = { points: 0, recoveryPoints: 0, tornHeaders: 0, failures: [] };
  const fail = (message: string): void => {
    if (result.failures.length < 10)
      result.failures.push(`${name} ${JSON.stringify(options)}: ${message}`);
  };
  let pendingSeen = 0;
  for (const state of recording.crash.crashStates(options)) {
    result.points++;
    const committed = recording.commitWrites.filter((w) => state.applied(w)).length;
    const returned = recording.clearWrites.filter((w) => w < state.writes).length;
    const tornCommit = recording.commitWrites.includes(state.torn);
    if (tornCommit) result.tornHeaders++;
    if (committed < returned)
      fail(
        `after ${state.writes} writes, ${returned} endOps had returned but only ${committed} commits are on disk`,
      );

    const pending = committed > recording.clearWrites.filter((w) => state.applied(w)).length;
    const crashRecovery = pending && recoveryEvery > 0 && pendingSeen++ % recoveryEvery === 0;
    const pendingImage = crashRecovery ? state.device.clone() : null;
    const expected = tornCommit
      ? [recording.states[committed], recording.states[committed + 1]]
      : [recording.states[committed]];
    const where = `after ${state.writes} writes (${committed} commits${tornCommit ? ", the next one's header torn" : ""})`;
    const found = checkRecovered(state.device, expected, where, fail);
    if (pendingImage !== null && found !== null) {
      result.recoveryPoints += crashDuringRecovery(pendingImage, found, options, where, fail);
    }
  }
  return result;
}

/** Mounts (recovering), runs fsck and compares; returns the state found, or null on a failure. */
function checkRecovered(
  device: MemoryDevice,
  expected: (string | undefined)[],
  where: string,
  fail: (m: string) => void,
): string | null {
  try {
    FileSystem.mount(device).shutdown();
  } catch (error) {
    fail(`${where}: mount threw ${String(error)}`);
    return null;
  }
  const report = fsck(device);
  if (!report.clean) fail(`${where}: fsck found ${report.problems.slice(0, 3).join("; ")}`);
  if (report.pendingLogBlocks !== 0) fail(`${where}: the log is still pending after mount`);
  const found = describe(device);
  if (!expected.includes(found)) {
    fail(
      `${where}: the recovered disk is\n${found}\nbut expected\n${expected.join("\n-- or --\n")}`,
    );
    return null;
  }
  return found;
}

/** Crashes a recovery after each of its writes; returns the number of crash points tried. */
function crashDuringRecovery(
  image: MemoryDevice,
  expected: string,
  options: CrashOptions,
  where: string,
  fail: (m: string) => void,
): number {
  const recorder = new CrashDevice(image);
  FileSystem.mount(recorder).shutdown();
  if (recorder.writeCount === 0) return 0;
  let points = 0;
  for (const state of recorder.crashStates(options, 1, recorder.writeCount - 1)) {
    points++;
    checkRecovered(
      state.device,
      [expected],
      `${where}, recovery crashed after ${state.writes} of its writes`,
      fail,
    );
  }
  return points;
}
