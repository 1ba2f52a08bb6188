/**
 * Runs the native test build (native/bin), the same C sources linked against a
 * Linux system-call shim, as i386 Linux processes. This works on Linux on x86
 * machines, whose kernels run 32-bit programs; elsewhere the native tests skip.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const NATIVE_BIN_DIR = fileURLToPath(new URL("../native/bin/", import.meta.url));

/** Whether this host can run the i386 Linux programs in native/bin. */
export const canRunNative =
  process.platform === "linux" && (process.arch === "x64" || process.arch === "ia32");

export interface NativeRun {
  stdout: string;
  stderr: string;
  status: number | null;
  signal: NodeJS.Signals | null;
}

export interface NativeOptions {
  /** Bytes for the program's fd 0; empty input when absent. */
  input?: string;
  /** Working directory; a sandbox from makeSandbox when programs exec each other. */
  cwd?: string;
  /** Run the copy in cwd instead of the one in native/bin. */
  fromCwd?: boolean;
}

/** Runs one native program to its end and returns its output and exit status. */
export function runNative(
  program: string,
  args: string[] = [],
  options: NativeOptions = {},
): NativeRun {
  const cwd = options.cwd ?? process.cwd();
  const path = options.fromCwd ? join(cwd, program) : join(NATIVE_BIN_DIR, program);
  const result = spawnSync(path, args, {
    cwd,
    input: options.input ?? "",
    encoding: "utf8",
    timeout: 30_000,
  });

  if (result.error !== undefined) {
    throw new Error(`runNative: cannot run ${path}: ${result.error.message}`);
  }
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    status: result.status,
    signal: result.signal,
  };
}

/** A temporary folder holding copies of native programs, so that sh can exec them by name. */
export interface Sandbox {
  dir: string;
  remove(): void;
}

/** Creates a sandbox with copies of the given native programs. */
export function makeSandbox(programs: string[]): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), "xv6ts-userland-"));

  for (const program of programs) {
    copyFileSync(join(NATIVE_BIN_DIR, program), join(dir, program));
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
