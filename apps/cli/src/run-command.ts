/**
 * `xv6ts run` (also the bare `xv6ts`): boots xv6ts on a disk image and attaches this terminal,
 * or runs a script.
 *
 * Steps, each before anything that depends on it:
 *   1. check the option values (--mem, and the script mode's lines), so a bad value changes
 *      nothing;
 *   2. choose the disk: --disk FILE must exist; without it the default disk in the data
 *      directory is made on first use, with one line saying where;
 *   3. lock the disk and open it, then mount it read-only once to check that it is an image
 *      that can boot (it has /init), which writes nothing;
 *   4. build the kernel with the checkpoint extension, boot it, and hand it to the terminal
 *      session or the script session, which shuts it down cleanly at the end;
 *   5. close the disk and release the lock, whatever happened.
 * SIGINT, SIGTERM and SIGHUP end the session the same clean way, with exit code 128 + signal.
 */
import { existsSync, mkdirSync } from "node:fs";
import { constants } from "node:os";
import { type FileSystem, FsFormatError, T_FILE } from "@xv6ts/fs-journal";
import { dataDirectory, defaultDiskPath } from "./data-dir";
import {
  closeFileSystem,
  DEFAULT_GEOMETRY,
  describeDamage,
  makeImage,
  mountDisk,
  note,
  type OpenDisk,
  openDisk,
  requireDiskFile,
} from "./disk";
import { CliError, describeHostError } from "./errors";
import type { CliIo } from "./io";
import { Machine } from "./machine";
import { Monitor } from "./monitor";
import type { RunCommandOptions } from "./program";
import { ScriptLines, ScriptSession } from "./script-mode";
import { formatSize, parseMemorySize } from "./sizes";
import { TerminalSession } from "./terminal";

/** A session that can be ended early by a signal. */
interface Session {
  run(): Promise<number>;
  stop(code: number): void;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Runs `xv6ts run` and returns its exit code; user errors are raised as CliErrors. */
export async function runCommand(io: CliIo, options: RunCommandOptions): Promise<number> {
  const memorySize = parseMemorySize(options.mem);
  const lines = scriptLines(io, options);
  const diskPath = options.disk ?? ensureDefaultDisk(io, options);
  if (options.disk !== undefined) {
    requireDiskFile(diskPath);
    if (options.sizeGiven) {
      note(
        io,
        `--size applies only when the default disk is first made; ${diskPath} keeps its size`,
      );
    }
  }

  const disk = openDisk(diskPath, { readOnly: false, command: commandLine(options), io });
  try {
    checkBootable(disk);
    const machine = new Machine({
      device: disk.device,
      diskPath,
      memorySize,
      deterministic: options.deterministic === true,
    });
    const session: Session =
      lines === null
        ? new TerminalSession(machine, io, new Monitor(machine))
        : new ScriptSession(machine, io, lines, {
            quietBoot: options.quietBoot === true,
            settleMs: options.settle,
            timeoutMs: options.timeout,
          });
    return await runWithSignals(session);
  } finally {
    disk.close();
  }
}

/** Returns the script's lines, or null for an interactive session on a terminal. */
function scriptLines(io: CliIo, options: RunCommandOptions): ScriptLines | null {
  if (options.exec !== undefined) return ScriptLines.fromList(options.exec);
  if (io.stdin.isTTY === true) return null;
  return ScriptLines.fromStream(io.stdin);
}

/** Returns the default disk's path, making the disk (and its folder) on first use. */
function ensureDefaultDisk(io: CliIo, options: RunCommandOptions): string {
  const path = defaultDiskPath(io.env);
  if (existsSync(path)) {
    if (options.sizeGiven) {
      note(io, `--size applies only when the default disk is first made; ${path} exists`);
    }
    return path;
  }
  try {
    mkdirSync(dataDirectory(io.env), { recursive: true });
  } catch (error) {
    throw describeHostError(error, "make the data folder", dataDirectory(io.env));
  }
  makeImage(path, {
    geometry: DEFAULT_GEOMETRY,
    size: options.size,
    empty: false,
    force: false,
    command: "xv6ts run",
    io,
  });
  note(io, `made the default disk ${path} (${formatSize(options.size)}); later runs boot it again`);
  return path;
}

/** Raises a CliError unless the disk mounts and has an /init to run; writes nothing. */
function checkBootable(disk: OpenDisk): void {
  const fs = mountDisk(disk.device, disk.path, { readOnly: true });
  let init: ReturnType<FileSystem["stat"]>;
  try {
    init = fs.stat("/init");
  } catch (error) {
    throw error instanceof FsFormatError ? describeDamage(error, disk.path) : error;
  } finally {
    closeFileSystem(fs);
  }
  if (!init.ok || init.value.type !== T_FILE) {
    throw new CliError(
      `${disk.path} has no /init program, so it cannot boot; copy the programs in with "xv6ts cp", or make a bootable image with "xv6ts mkfs --force ${disk.path}"`,
    );
  }
}

/** Returns the command line recorded in the lock file. */
function commandLine(options: RunCommandOptions): string {
  return options.exec !== undefined ? "xv6ts run --exec" : "xv6ts run";
}

/** Runs a session; SIGINT, SIGTERM and SIGHUP end it cleanly with 128 + the signal number. */
async function runWithSignals(session: Session): Promise<number> {
  const handlers = SIGNALS.map((signal) => {
    const handler = () => session.stop(128 + constants.signals[signal]);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    return await session.run();
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
