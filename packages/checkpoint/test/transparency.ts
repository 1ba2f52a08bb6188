/**
 * The dump-restart-verify harness. A workload is a command typed into `sh`, with lines to type
 * whenever the program waits for console input. It runs once uninterrupted, and once with
 * checkpoints. At each checkpoint the process is saved into /ck<n> and killed, the kernel is shut
 * down, a new kernel boots on a copy of the disk, and `restart /ck<n>` typed into its shell
 * carries the process on. The program's output, pieced together from every kernel, must equal
 * the uninterrupted output, save for the differences a test states.
 *
 * A checkpoint is taken one of two ways:
 * - at an exact tick, from inside xv6: the command runs under the test program `ckptat`, which
 *   sleeps that many ticks, saves its child with system call 22, kills it and waits for it.
 *   Every kernel is deterministic, so the instant repeats exactly.
 * - at the first turn of the host loop at which a condition holds, through the host API. The
 *   host gets turns only while user code computes for more than 10 ms of wall time or every
 *   process waits for console input, so this suits long computations and console reads.
 *
 * Console input is typed only in the last kernel of a run (and throughout the uninterrupted
 * run), so a program can be saved while it waits for input.
 */
import { FileSystem, type MemoryDevice } from "@xv6ts/fs-journal";
import { expect } from "vitest";
import { checkpointProcess, type ImageSummary, inspectImage } from "../src/index.js";
import { copyDevice, type DiskOptions, makeDisk, Session } from "./session.js";

/** A program run from the shell. */
export interface Workload {
  /** The command line typed into sh. */
  command: string;
  /** The process name the program runs under (the last element of its path). */
  name: string;
  /** Lines typed, one each time the program waits for console input. */
  inputs?: string[];
  disk?: DiskOptions;
}

/** A host-loop condition: tested at every turn of the host loop with the program's pid. */
export type Condition = (session: Session, pid: number, start: RunStart) => boolean;

/** When a checkpoint is taken: at a tick after the program started, or at a host condition. */
export type Checkpoint = { atTick: number } | { when: Condition };

/** Where a run began: console offset and clock. */
export interface RunStart {
  text: number;
  ticks: number;
}

/** Holds once the program's output (since it started in this kernel) contains `text`. */
export function afterOutput(text: string): Condition {
  return (session, _pid, start) => session.text.indexOf(text, start.text) >= 0;
}

/** Holds while the program is blocked in system call `name`. */
export function blockedIn(name: string): Condition {
  return (session, pid) => {
    const process = session.kernel.extension.findProcess(pid);
    return process?.state === "sleeping" && process.blockedCall()?.name === name;
  };
}

/** Holds once `ticks` ticks have passed since the program started in this kernel. */
export function afterTicks(ticks: number): Condition {
  return (session, _pid, start) => session.kernel.ticks >= start.ticks + ticks;
}

/** Holds when both conditions hold. */
export function both(first: Condition, second: Condition): Condition {
  return (session, pid, start) => first(session, pid, start) && second(session, pid, start);
}

/** What one program run in one kernel gave: its output and whether it ended there. */
interface Segment {
  output: string;
  ended: boolean;
  /** Ticks from the program's start to its end or checkpoint. */
  ticks: number;
}

/**
 * Types `line` into the shell and drives the program until it ends (the shell waits for input
 * again) or `condition` holds. Returns the program's output, without the echoed command line.
 */
async function drive(
  session: Session,
  line: string,
  workload: Workload,
  inputs: string[],
  condition: Condition | null,
): Promise<Segment & { pid: number }> {
  const shellPid = session.consoleWaits[0]!;
  const start: RunStart = {
    text: session.text.length + line.length + 1,
    ticks: session.kernel.ticks,
  };
  let seen = session.consoleWaits.length;
  let pendingInput = false;
  session.type(line);
  let pid = -1;

  for (let turn = 0; turn < 500_000; turn++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (pid < 0) pid = session.pidOf(workload.name);
    if (pid > 0 && condition !== null && condition(session, pid, start)) {
      return {
        output: session.text.slice(start.text),
        ended: false,
        ticks: session.kernel.ticks - start.ticks,
        pid,
      };
    }
    for (; seen < session.consoleWaits.length; seen++) {
      const waiter = session.consoleWaits[seen]!;
      if (waiter === shellPid) {
        const output = session.text.slice(start.text);
        expect(output.endsWith("$ "), "the shell prompt after the program").toBe(true);
        return {
          output: output.slice(0, -2),
          ended: true,
          ticks: session.kernel.ticks - start.ticks,
          pid,
        };
      }
      pendingInput = true;
    }
    if (pendingInput && inputs.length > 0) {
      session.type(inputs.shift()!);
      pendingInput = false;
    }
  }
  throw new Error(`${line}: neither ended nor reached the checkpoint condition`);
}

/**
 * Runs the workload without a checkpoint, on a new disk or on a copy of `device`. Returns its
 * output, how many ticks it took, and the disk it left.
 */
export async function runUninterrupted(
  workload: Workload,
  device: MemoryDevice = makeDisk(workload.disk),
): Promise<Segment & { device: MemoryDevice }> {
  const disk = copyDevice(device);
  const session = await Session.boot(disk);
  const segment = await drive(
    session,
    workload.command,
    workload,
    [...(workload.inputs ?? [])],
    null,
  );
  await session.shutdown();
  return { ...segment, device: disk };
}

/** The result of a run with checkpoints. */
export interface CheckpointedRun {
  /** The output of every kernel, in order, pieced together. */
  output: string;
  /** Output per kernel. */
  segments: string[];
  /** The summary of each image taken, in order. */
  images: ImageSummary[];
  /** The disk as the last kernel left it. */
  device: MemoryDevice;
}

/**
 * Runs the workload, taking each checkpoint in turn into /ck<n> in a new kernel on a copy of the
 * disk the previous one left (see the file comment). A checkpoint whose instant comes after the
 * program ended fails the test.
 */
export async function runWithCheckpoints(
  workload: Workload,
  checkpoints: Checkpoint[],
): Promise<CheckpointedRun> {
  let device = makeDisk(workload.disk);
  const segments: string[] = [];
  const images: ImageSummary[] = [];
  let program = workload.command;

  for (let round = 0; ; round++) {
    const session = await Session.boot(device);
    const checkpoint = checkpoints[round];
    const image = `/ck${round + 1}`;
    const inputs = round === checkpoints.length ? [...(workload.inputs ?? [])] : [];
    if (checkpoint === undefined) {
      const last = await drive(session, program, workload, inputs, null);
      segments.push(last.output);
      await session.shutdown();
      return { output: segments.join(""), segments, images, device };
    }

    if ("atTick" in checkpoint) {
      const line = `ckptat ${checkpoint.atTick} ${image} ${program}`;
      const segment = await drive(session, line, workload, inputs, null);
      expect(segment.output, `${line} saved its child`).not.toContain("ckptat:");
      segments.push(segment.output);
    } else {
      const segment = await drive(session, program, workload, inputs, checkpoint.when);
      expect(segment.ended, `${program} reached the checkpoint condition`).toBe(false);
      // No kernel code runs between the condition test in drive() and this call, so the
      // segment contains exactly what the process printed before the checkpoint.
      const saved = checkpointProcess(session.kernel, segment.pid, image);
      expect(saved, `checkpoint of ${program} into ${image}`).toMatchObject({ ok: true });
      segments.push(segment.output);
    }
    await session.shutdown();
    images.push(summaryOf(device, image));
    device = copyDevice(device);
    program = `restart ${image}`;
  }
}

/** Describes the image file at `path` on a disk no kernel runs on. */
export function summaryOf(device: MemoryDevice, path: string): ImageSummary {
  const fs = FileSystem.mount(device, { readOnly: true });
  const inspected = inspectImage(fs, path);
  if (!inspected.ok) throw new Error(inspected.reason);
  return inspected.summary;
}
