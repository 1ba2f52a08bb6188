/**
 * Test helpers: disks holding the userland programs and this package's test programs, and a
 * booted kernel with the checkpoint calls installed, driven through its console as a user
 * would drive it.
 *
 * Every kernel runs in deterministic mode with 32 MiB of memory, so a run repeats instruction
 * for instruction. A disk can be copied between two boots (`copyDevice`), which is how tests
 * reboot: the first kernel is shut down and a second boots on the copy.
 */
import { readdirSync, readFileSync } from "node:fs";
import { type BlockDevice, type GeometryName, MemoryDevice, mkfs } from "@xv6ts/fs-journal";
import { Kernel, type KernelOptions } from "@xv6ts/kernel";
import { programBytes, programNames } from "@xv6ts/userland";
import { installCheckpoint } from "../src/index.js";

const TEST_PROGRAMS = new URL("./programs/bin/", import.meta.url);

/** Reads the ELF files of this package's test programs, by name. */
export function testPrograms(): Map<string, Uint8Array> {
  const programs = new Map<string, Uint8Array>();
  for (const name of readdirSync(TEST_PROGRAMS)) {
    programs.set(name, new Uint8Array(readFileSync(new URL(name, TEST_PROGRAMS))));
  }
  return programs;
}

/** Options of `makeDisk`. */
export interface DiskOptions {
  /** Default extended: 4096-byte blocks, so images of megabytes fit in one file. */
  geometry?: GeometryName;
  /** Blocks; default 4000 (xv6) or 2048 (extended, 8 MiB). */
  size?: number;
  ninodes?: number;
  /** More files for the root directory. */
  files?: { path: string; data: Uint8Array }[];
}

/** Makes a memory disk with every userland program and test program in "/". */
export function makeDisk(options: DiskOptions = {}): MemoryDevice {
  const geometry = options.geometry ?? "extended";
  const size = options.size ?? (geometry === "xv6" ? 4000 : 2048);
  const device = new MemoryDevice(size, geometry === "xv6" ? 512 : 4096);
  const files = programNames().map((name) => ({ path: `/${name}`, data: programBytes(name) }));
  for (const [name, data] of testPrograms()) files.push({ path: `/${name}`, data });
  files.push(...(options.files ?? []));
  // init would make /console with mknod; making it here lets a test use up every inode.
  const entries = [...files, { path: "/console", device: { major: 1, minor: 1 } }];
  mkfs(device, { geometry, size, ninodes: options.ninodes ?? 200, files: entries });
  return device;
}

/** Copies a disk, as a machine with a copy of the image file would see it. */
export function copyDevice(device: MemoryDevice): MemoryDevice {
  return new MemoryDevice(device.blockCount, device.blockSize, device.snapshot());
}

/** A booted kernel with the checkpoint calls, its console output and helpers to drive it. */
export class Session {
  readonly kernel: Kernel;
  readonly running: Promise<void>;
  private output = "";
  private readonly textWaiters: { text: string; from: number; resolve: () => void }[] = [];
  private consoleWaiters: ((pid: number) => void)[] = [];
  /** The pids that started waiting for console input, in order. */
  readonly consoleWaits: number[] = [];

  private constructor(device: BlockDevice, options: Partial<KernelOptions>) {
    this.kernel = new Kernel({
      device,
      memorySize: 32 * 1024 * 1024,
      clock: { mode: "deterministic" },
      ...options,
    });
    this.kernel.onOutput((bytes) => this.collect(bytes));
    this.kernel.onConsoleWait((pid) => {
      this.consoleWaits.push(pid);
      const waiters = this.consoleWaiters;
      this.consoleWaiters = [];
      for (const resolve of waiters) resolve(pid);
    });
    this.kernel.boot();
    installCheckpoint(this.kernel);
    this.running = this.kernel.run();
    this.running.catch(() => undefined);
  }

  /** Boots a kernel on `device` and waits for the shell's first prompt. */
  static async boot(device: BlockDevice, options: Partial<KernelOptions> = {}): Promise<Session> {
    const session = new Session(device, options);
    await session.waitFor("$ ");
    if (session.consoleWaits.length === 0) await session.nextConsoleWait();
    return session;
  }

  /** All console output so far (latin1). */
  get text(): string {
    return this.output;
  }

  private collect(bytes: Uint8Array): void {
    this.output += Buffer.from(bytes).toString("latin1");
    for (let i = this.textWaiters.length - 1; i >= 0; i--) {
      const waiter = this.textWaiters[i]!;
      if (this.output.indexOf(waiter.text, waiter.from) >= 0) {
        this.textWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  /** Resolves when the output from offset `from` on contains `text`; rejects if the kernel stops. */
  waitFor(text: string, from = 0): Promise<void> {
    if (this.output.indexOf(text, from) >= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.textWaiters.push({ text, from, resolve });
      this.running.then(
        () => reject(new Error(`the kernel stopped before printing ${JSON.stringify(text)}`)),
        reject,
      );
    });
  }

  /** Resolves with the pid of the next process that waits for console input with nothing typed. */
  nextConsoleWait(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.consoleWaiters.push(resolve);
      this.running.then(() => reject(new Error("the kernel stopped")), reject);
    });
  }

  /** Types `line` and a newline, waits until some process waits for input again, returns the output between. */
  async command(line: string): Promise<string> {
    const start = this.output.length;
    const next = this.nextConsoleWait();
    this.kernel.input(`${line}\n`);
    await next;
    return this.output.slice(start);
  }

  /**
   * Types `line` and a newline, waits until the shell reads the console again (the command
   * ended), and returns the output between. Other processes may wait for input meanwhile.
   */
  async run(line: string): Promise<string> {
    const shellPid = this.consoleWaits[0]!;
    const start = this.output.length;
    this.kernel.input(`${line}\n`);
    while ((await this.nextConsoleWait()) !== shellPid);
    return this.output.slice(start);
  }

  /**
   * Types lines into the shell like a script: the first now (the shell waits at its prompt), each
   * next one inside the kernel's console-wait callback, the moment the shell reads again. Only
   * that keeps a run deterministic when other processes sleep. The clock then jumps to their
   * deadlines without giving the host a turn, so a line typed on a later host turn would arrive
   * at a virtual instant that depends on wall time. A line given as a function is computed when
   * it is typed. Resolves when the shell reads after the last line.
   */
  script(lines: (string | (() => string))[]): Promise<void> {
    const shellPid = this.consoleWaits[0]!;
    const pending = [...lines];
    const typeNext = (): boolean => {
      const next = pending.shift();
      if (next === undefined) return false;
      this.kernel.input(`${typeof next === "function" ? next() : next}\n`);
      return true;
    };
    return new Promise<void>((resolve, reject) => {
      const remove = this.kernel.onConsoleWait((pid) => {
        if (pid !== shellPid || typeNext()) return;
        remove();
        resolve();
      });
      this.running.then(() => reject(new Error("the kernel stopped during a script")), reject);
      typeNext();
    });
  }

  /** Types `line` and a newline without waiting. */
  type(line: string): void {
    this.kernel.input(`${line}\n`);
  }

  /** Lets the run loop turn until `predicate` holds; fails after `rounds` turns of the host loop. */
  async until(predicate: () => boolean, what: string, rounds = 200_000): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      if (predicate()) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    throw new Error(`timed out waiting until ${what}`);
  }

  /** Returns the pid of the newest process with this name, or -1. */
  pidOf(name: string): number {
    const matches = this.kernel.processes().filter((p) => p.name === name);
    return matches.length === 0 ? -1 : matches[matches.length - 1]!.pid;
  }

  /** Returns whether process `pid` still exists (zombies count as gone). */
  alive(pid: number): boolean {
    return this.kernel.processes().some((p) => p.pid === pid && p.state !== "zombie");
  }

  /** Shuts the kernel down; the disk is consistent afterwards. */
  async shutdown(): Promise<void> {
    await this.kernel.shutdown();
  }
}
