/**
 * Test helpers: a CliIo over buffers, temporary folders under the system's temporary directory,
 * and running the real `xv6ts` command from source through tsx, as a user would.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import type { CliIo } from "../src/io";

/** The cli package folder. */
export const CLI_DIR = resolve(import.meta.dirname, "..");
const TSX = resolve(CLI_DIR, "../../node_modules/.bin/tsx");
const MAIN = join(CLI_DIR, "src/main.ts");

/** A CliIo whose output streams collect into buffers. */
export interface MemoryIo {
  io: CliIo;
  stdout(): string;
  stdoutBytes(): Buffer;
  stderr(): string;
}

/** Makes a CliIo over buffers, with `env` as its whole environment and stdin holding `input`. */
export function memoryIo(env: Record<string, string>, input = ""): MemoryIo {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (chunks: Buffer[]) => ({
    write(chunk: string | Uint8Array) {
      chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
      return true;
    },
  });
  const io: CliIo = {
    stdin: Readable.from(input === "" ? [] : [Buffer.from(input)]),
    stdout: sink(out),
    stderr: sink(err),
    env,
  };
  return {
    io,
    stdout: () => Buffer.concat(out).toString("latin1"),
    stdoutBytes: () => Buffer.concat(out),
    stderr: () => Buffer.concat(err).toString("utf8"),
  };
}

/** Makes a temporary folder; returns its path and a function that removes it. */
export function temporaryFolder(prefix = "xv6ts-cli-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Returns the SHA-256 of a file, to show that a command left it unchanged. */
export function fileHash(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** What a finished xv6ts process left. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of runXv6ts. */
export interface RunOptions {
  /** Variables added to a minimal environment; XV6TS_HOME should point into a temporary folder. */
  env: Record<string, string>;
  /** Written to standard input, which is then closed; default: nothing. */
  input?: string;
  cwd?: string;
  /** Kills the process after this long (a safety net, not an assertion); default 120 s. */
  killAfterMs?: number;
  /** A file descriptor to use as standard output instead of a pipe (the result's stdout is then ""). */
  stdoutFd?: number;
}

/** Returns the command line that runs xv6ts from source, for tests that start it in a terminal. */
export function xv6tsCommand(): string[] {
  return [TSX, "--conditions=@xv6ts/source", MAIN];
}

/** Runs `xv6ts args` from source through tsx and collects its output. */
export function runXv6ts(args: string[], options: RunOptions): Promise<RunResult> {
  const [command, ...prefix] = xv6tsCommand();
  const child = spawn(command!, [...prefix, ...args], {
    cwd: options.cwd ?? CLI_DIR,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      ...options.env,
    },
    stdio: ["pipe", options.stdoutFd ?? "pipe", "pipe"],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
  child.stderr!.on("data", (chunk: Buffer) => err.push(chunk));
  child.stdin!.end(options.input ?? "");
  const timer = setTimeout(() => child.kill("SIGKILL"), options.killAfterMs ?? 120_000);
  return new Promise((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code,
        signal,
        stdout: Buffer.concat(out).toString("latin1"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}
