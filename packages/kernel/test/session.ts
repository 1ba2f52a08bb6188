/**
 * Test and benchmark helpers: make a disk image from the userland programs with the file
 * system's mkfs, boot a kernel on it in deterministic mode, type lines into sh when it waits for
 * input, and collect console output.
 */
import { type GeometryName, MemoryDevice, mkfs } from "@xv6ts/fs-journal";
import { programBytes, programNames } from "@xv6ts/userland";
import { Kernel, type KernelOptions } from "../src/index.js";
import { launcherInit } from "./probes.js";

/** A file to put on a test image beside the programs. */
export interface ExtraFile {
  path: string;
  data: Uint8Array;
}

/** Options of `makeImage`. */
export interface ImageOptions {
  geometry?: GeometryName;
  /** Blocks; default 4000 (xv6) or 2048 (extended). */
  size?: number;
  /** Programs to include; default all of them. */
  programs?: string[];
  files?: ExtraFile[];
}

/** Makes a memory device holding an image with the userland programs in `/`. */
export function makeImage(options: ImageOptions = {}): MemoryDevice {
  const geometry = options.geometry ?? "xv6";
  const blockSize = geometry === "xv6" ? 512 : 4096;
  const size = options.size ?? (geometry === "xv6" ? 4000 : 2048);
  const device = new MemoryDevice(size, blockSize);
  const names = options.programs ?? programNames();
  const files = [
    ...names.map((name) => ({ path: `/${name}`, data: programBytes(name) })),
    ...(options.files ?? []),
  ];
  mkfs(device, { geometry, size, ninodes: 200, files });
  return device;
}

/** A booted kernel with its output collected. */
export class Session {
  readonly kernel: Kernel;
  readonly running: Promise<void>;
  private output = "";
  private readonly waiters: { text: string; resolve: () => void }[] = [];
  private promptWaiters: (() => void)[] = [];
  /** Number of times a process started waiting for console input. */
  consoleWaits = 0;

  constructor(options: Partial<KernelOptions> & { device: KernelOptions["device"] }) {
    this.kernel = new Kernel({
      memorySize: 32 * 1024 * 1024,
      clock: { mode: "deterministic" },
      ...options,
    });
    this.kernel.onOutput((bytes) => this.collect(bytes));
    this.kernel.onConsoleWait(() => {
      this.consoleWaits++;
      const waiters = this.promptWaiters;
      this.promptWaiters = [];
      for (const resolve of waiters) resolve();
    });
    this.kernel.boot();
    this.running = this.kernel.run();
    this.running.catch(() => undefined);
  }

  /** All console output so far (latin1). */
  get text(): string {
    return this.output;
  }

  private collect(bytes: Uint8Array): void {
    this.output += Buffer.from(bytes).toString("latin1");
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i]!;
      if (this.output.includes(waiter.text)) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  /** Resolves when the output contains `text`; rejects if the kernel stops first. */
  waitFor(text: string): Promise<void> {
    if (this.output.includes(text)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ text, resolve });
      this.running.then(
        () => reject(new Error(`kernel stopped before printing ${JSON.stringify(text)}`)),
        reject,
      );
    });
  }

  /** Resolves once processes have started waiting for console input `count` times in all. */
  async waitForConsoleWaits(count: number): Promise<void> {
    while (this.consoleWaits < count) await this.nextConsoleWait();
  }

  /** Resolves the next time a process waits for console input with nothing typed. */
  nextConsoleWait(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.promptWaiters.push(resolve);
      this.running.then(() => reject(new Error("kernel stopped")), reject);
    });
  }

  /**
   * Types `line` and a newline, then waits until a reader waits for console input again. Returns
   * the output printed in between.
   */
  async command(line: string): Promise<string> {
    const start = this.output.length;
    const next = this.nextConsoleWait();
    this.kernel.input(`${line}\n`);
    await next;
    return this.output.slice(start);
  }

  /** Waits until no process is runnable (every process waits or is stopped), at most `rounds`. */
  async settle(rounds = 10_000): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      const busy = this.kernel
        .processes()
        .some((p) => p.state === "runnable" || p.state === "running");
      if (!busy) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    throw new Error(`processes still runnable after ${rounds} rounds`);
  }

  /** Shuts the kernel down and returns once the disk is flushed. */
  async shutdown(): Promise<void> {
    await this.kernel.shutdown();
  }
}

/**
 * Boots an image whose /init (an assembled launcher, no userland needed) runs `program` from
 * /program as pid 2, with the console as fds 0 to 2.
 */
export function startProgram(
  program: Uint8Array,
  files: ExtraFile[] = [],
  options: Partial<KernelOptions> = {},
): Session {
  const device = new MemoryDevice(1000, 512);
  const entries = [
    { path: "/init", data: launcherInit("/program") },
    { path: "/program", data: program },
    ...files,
  ];
  mkfs(device, { geometry: "xv6", size: 1000, files: entries });
  return new Session({ device, ...options });
}

/** Boots a session on a fresh image and waits for the first shell prompt. */
export async function bootSession(
  image: ImageOptions = {},
  options: Partial<KernelOptions> = {},
): Promise<Session> {
  const device = makeImage(image);
  const session = new Session({ device, ...options });
  await session.waitForConsoleWaits(1);
  return session;
}
