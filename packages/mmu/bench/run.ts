/**
 * MMU benchmark (tinybench). Figures, all measured in one run:
 *
 * - translate() per second on a warm walk (the CPU's TLB-miss path), for reads and writes, beside
 *   a plain Uint32Array load of the same pages as the floor a walk is compared against;
 * - the same accesses made by guest code on a real @xv6ts/cpu, once with a warm TLB (hits) and
 *   once with the TLB flushed before every pass (every page a miss that calls translate());
 * - copyIn and copyOut throughput for 64 KiB, beside Uint8Array.set of the same bytes, and
 *   copyIn calls of 4 bytes, whose time is the per-call cost (checks and walk);
 * - copyUvm (fork) of a 16 MiB address space and its freeVm, and allocUvm of 16 MiB;
 * - the life of a 3-page address space (setupKvm, allocUvm, freeVm), as an exec and exit make.
 *
 * Run: pnpm bench (from packages/mmu). Each task does a batch of operations per call, so that
 * the timer's resolution does not dominate. A rate is the batch size over the mean call time.
 */
import { Cpu } from "@xv6ts/cpu";
import { Bench, type Task } from "tinybench";
import { type Figure, writeReport } from "../../../bench/report.ts";
import { Mmu, PGSIZE } from "../src/index.ts";

const MiB = 1024 * 1024;
/** Pages touched per translate batch: 2 MiB, so the walk spans page tables. */
const WALK_PAGES = 512;
const WALK_BASE = 0x3f0000;
const COPY_BYTES = 64 * 1024;
const FORK_BYTES = 16 * MiB;
/** Calls per task call for the small operations. */
const SMALL_CALLS = 1024;
const GUEST_PAGES = 256;
const GUEST_BASE = 0x100000;
/**
 * Times each task repeats its work per call, so that one call lasts tens of microseconds and the
 * median is not quantized by the timer's resolution.
 */
const REPEAT = 16;

/** Results of the translate loops, kept so that the JIT cannot drop the loops as dead code. */
let sink = 0;

/**
 * Returns the median time of one call in milliseconds. The median rather than the mean, because
 * on a shared machine a few calls are preempted and would dominate the mean.
 */
function medianMs(task: Task | undefined): number {
  const result = task?.result;
  if (result === undefined || !("latency" in result)) {
    throw new Error(`benchmark task ${task?.name ?? "(missing)"} did not complete`);
  }
  return result.latency.p50;
}

function perSecond(task: Task | undefined, batch: number): number {
  return (batch / medianMs(task)) * 1000;
}

/** Creates an Mmu of `memorySize` with a loaded address space of `bytes` user memory. */
function space(memorySize: number, bytes: number): { mmu: Mmu; pgdir: number } {
  const mmu = new Mmu({ memorySize });
  const pgdir = mmu.setupKvm();
  if (mmu.allocUvm(pgdir, 0, bytes) !== bytes) {
    throw new Error(`allocUvm of ${bytes} bytes failed in ${memorySize} bytes of memory`);
  }
  mmu.switchUvm(pgdir);
  return { mmu, pgdir };
}

function addTranslateTasks(bench: Bench): void {
  const { mmu } = space(64 * MiB, WALK_BASE + WALK_PAGES * PGSIZE);
  const words = new Uint32Array(mmu.memory);

  bench.add("translate read", () => {
    for (let round = 0; round < REPEAT; round++) {
      for (let page = 0; page < WALK_PAGES; page++) {
        sink ^= mmu.translate(WALK_BASE + page * PGSIZE + 8, 0, 3);
      }
    }
  });
  bench.add("translate write", () => {
    for (let round = 0; round < REPEAT; round++) {
      for (let page = 0; page < WALK_PAGES; page++) {
        sink ^= mmu.translate(WALK_BASE + page * PGSIZE + 8, 2, 3);
      }
    }
  });
  bench.add("Uint32Array load", () => {
    for (let round = 0; round < REPEAT; round++) {
      for (let page = 0; page < WALK_PAGES; page++) {
        sink ^= words[(WALK_BASE + page * PGSIZE + 8) >>> 2];
      }
    }
  });
}

/**
 * Returns the guest loop: one 32-bit access per page for ecx pages from esi, then int 0x40.
 *   0: 8b 06 / 89 06       mov eax, [esi] / mov [esi], eax
 *   2: 81 c6 00 10 00 00   add esi, 0x1000
 *   8: 49                  dec ecx
 *   9: 75 f5               jnz 0
 *  11: cd 40               int 0x40
 */
function guestLoop(write: boolean): Uint8Array {
  const access = write ? 0x89 : 0x8b;
  return Uint8Array.from([
    access,
    0x06,
    0x81,
    0xc6,
    0x00,
    0x10,
    0,
    0,
    0x49,
    0x75,
    0xf5,
    0xcd,
    0x40,
  ]);
}

function addGuestTasks(bench: Bench): void {
  for (const write of [false, true]) {
    const { mmu, pgdir } = space(32 * MiB, GUEST_BASE + GUEST_PAGES * PGSIZE);
    const cpu = new Cpu({ memory: mmu.memory, translator: mmu, userVectors: [64] });
    mmu.loadUvm(pgdir, 0, guestLoop(write));
    const pass = (flush: boolean): void => {
      if (flush) cpu.flushTlb();
      cpu.eip = 0;
      cpu.regs[6] = GUEST_BASE;
      cpu.regs[1] = GUEST_PAGES;
      const result = cpu.run(10 * GUEST_PAGES);
      if (result.type !== "trap" || result.vector !== 64) {
        throw new Error(`guest loop stopped with ${JSON.stringify(result)}`);
      }
    };
    const kind = write ? "write" : "read";
    bench.add(`guest ${kind}, TLB hit`, () => {
      for (let round = 0; round < REPEAT; round++) pass(false);
    });
    bench.add(`guest ${kind}, TLB miss`, () => {
      for (let round = 0; round < REPEAT; round++) pass(true);
    });
  }
}

function addCopyTasks(bench: Bench): void {
  const { mmu, pgdir } = space(16 * MiB, 2 * COPY_BYTES);
  const buffer = new Uint8Array(COPY_BYTES).fill(7);
  const target = new Uint8Array(COPY_BYTES);
  const physical = new Uint8Array(mmu.memory);

  bench.add("copyOut 64 KiB", () => {
    for (let round = 0; round < REPEAT; round++) mmu.copyOut(pgdir, 100, buffer);
  });
  bench.add("copyIn 64 KiB", () => {
    for (let round = 0; round < REPEAT; round++) mmu.copyIn(pgdir, 100, target);
  });
  bench.add("Uint8Array.set 64 KiB", () => {
    for (let round = 0; round < REPEAT; round++) physical.set(buffer, 8 * MiB + 100);
  });
  const word = new Uint8Array(4);
  bench.add("copyIn 4 bytes", () => {
    for (let call = 0; call < SMALL_CALLS; call++) mmu.copyIn(pgdir, 100 + (call & 255) * 4, word);
  });
}

function addForkTasks(bench: Bench): void {
  const { mmu, pgdir } = space(64 * MiB, FORK_BYTES);
  const other = mmu.setupKvm();
  mmu.copyOut(pgdir, 0, new Uint8Array(FORK_BYTES).fill(3));

  bench.add("copyUvm + freeVm 16 MiB", () => {
    const child = mmu.copyUvm(pgdir, FORK_BYTES);
    if (child < 0) throw new Error("copyUvm ran out of frames");
    mmu.freeVm(child);
  });
  bench.add("allocUvm + deallocUvm 16 MiB", () => {
    if (mmu.allocUvm(other, 0, FORK_BYTES) !== FORK_BYTES) throw new Error("allocUvm failed");
    mmu.deallocUvm(other, FORK_BYTES, 0);
  });
  bench.add("3-page space: setupKvm + allocUvm + freeVm", () => {
    for (let call = 0; call < REPEAT; call++) {
      const small = mmu.setupKvm();
      if (mmu.allocUvm(small, 0, 3 * PGSIZE) !== 3 * PGSIZE) throw new Error("allocUvm failed");
      mmu.freeVm(small);
    }
  });
}

async function main(): Promise<void> {
  const bench = new Bench({ time: 1500, warmupTime: 300 });
  addTranslateTasks(bench);
  addGuestTasks(bench);
  addCopyTasks(bench);
  addForkTasks(bench);
  await bench.run();

  const task = (name: string): Task | undefined => bench.tasks.find((t) => t.name === name);
  const walkRead = perSecond(task("translate read"), REPEAT * WALK_PAGES);
  const walkWrite = perSecond(task("translate write"), REPEAT * WALK_PAGES);
  const load = perSecond(task("Uint32Array load"), REPEAT * WALK_PAGES);
  const guest = (name: string): number => perSecond(task(name), REPEAT * GUEST_PAGES);
  const copyOut = (COPY_BYTES / MiB) * perSecond(task("copyOut 64 KiB"), REPEAT);
  const copyIn = (COPY_BYTES / MiB) * perSecond(task("copyIn 64 KiB"), REPEAT);
  const set = (COPY_BYTES / MiB) * perSecond(task("Uint8Array.set 64 KiB"), REPEAT);
  const copyInCall = (medianMs(task("copyIn 4 bytes")) / SMALL_CALLS) * 1e6;
  const fork = medianMs(task("copyUvm + freeVm 16 MiB"));
  const grow = medianMs(task("allocUvm + deallocUvm 16 MiB"));
  const smallSpace = (medianMs(task("3-page space: setupKvm + allocUvm + freeVm")) / REPEAT) * 1000;

  const figures: Figure[] = [
    {
      name: "translate read (walk)",
      value: walkRead,
      unit: "translations/s",
      note: `${WALK_PAGES} pages, A already set`,
    },
    {
      name: "translate write (walk)",
      value: walkWrite,
      unit: "translations/s",
      note: "D already set",
    },
    {
      name: "walk cost vs Uint32Array load",
      value: load / walkRead,
      unit: "x",
      note: "how many plain loads one walk costs",
    },
    {
      name: "guest read, TLB hit",
      value: guest("guest read, TLB hit"),
      unit: "page reads/s",
      note: "mov eax,[esi] loop on @xv6ts/cpu, 4 instructions per read",
    },
    {
      name: "guest read, TLB miss",
      value: guest("guest read, TLB miss"),
      unit: "page reads/s",
      note: "same loop, flushTlb before each pass of 256 pages",
    },
    {
      name: "guest read hit/miss",
      value: guest("guest read, TLB hit") / guest("guest read, TLB miss"),
      unit: "x",
    },
    { name: "guest write, TLB hit", value: guest("guest write, TLB hit"), unit: "page writes/s" },
    { name: "guest write, TLB miss", value: guest("guest write, TLB miss"), unit: "page writes/s" },
    {
      name: "guest write hit/miss",
      value: guest("guest write, TLB hit") / guest("guest write, TLB miss"),
      unit: "x",
    },
    { name: "copyOut 64 KiB", value: copyOut, unit: "MiB/s", note: "unaligned start, 17 pages" },
    { name: "copyIn 64 KiB", value: copyIn, unit: "MiB/s" },
    {
      name: "Uint8Array.set 64 KiB",
      value: set,
      unit: "MiB/s",
      note: "plain copy, no translation",
    },
    { name: "copyOut vs Uint8Array.set", value: set / copyOut, unit: "x slower" },
    {
      name: "copyIn 4 bytes",
      value: copyInCall,
      unit: "ns/call",
      note: "per-call cost: pgdir and range checks, two walks",
    },
    {
      name: "copyUvm + freeVm 16 MiB",
      value: fork,
      unit: "ms",
      note: "4096 pages: fork of a 16 MiB process and its exit",
    },
    { name: "allocUvm + deallocUvm 16 MiB", value: grow, unit: "ms", note: "zeroed frames" },
    {
      name: "3-page space life",
      value: smallSpace,
      unit: "µs",
      note: "setupKvm + allocUvm of 3 pages + freeVm",
    },
  ];
  writeReport("@xv6ts/mmu", figures);
  if (sink === 0.5) console.log("unreachable: translate results xor to a fraction");
}

await main();
