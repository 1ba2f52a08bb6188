/**
 * exec against a real MMU and a real file system: the new image's layout and initial stack, and
 * failures that leave the process and the free frame count unchanged. The process is not on the
 * CPU, so exec sets its saved registers and the CPU is not needed.
 */
import type { Cpu } from "@xv6ts/cpu";
import { FileSystem, MemoryDevice, mkfs } from "@xv6ts/fs-journal";
import { Mmu, PTE_U } from "@xv6ts/mmu";
import { describe, expect, it } from "vitest";
import { Assembler, PROBE_SZ } from "../test/asm.js";
import { badExecutables, exitProgram } from "../test/probes.js";
import { Clock } from "./clock.js";
import { Console } from "./console.js";
import { KernelCore } from "./core.js";
import { exec } from "./exec.js";
import { FileTable } from "./file.js";
import { ProcessTable } from "./proc.js";

function setup() {
  const bad = badExecutables();
  const files = [
    { path: "/prog", data: new Assembler().raw(0xeb, 0xfe).build() },
    { path: "/exit", data: exitProgram() },
    ...Object.entries(bad).map(([name, data]) => ({ path: `/${name}`, data })),
  ];
  const device = new MemoryDevice(2000, 512);
  mkfs(device, { geometry: "xv6", size: 2000, files });
  const printed: string[] = [];
  const procs = new ProcessTable(4);
  const core = new KernelCore({
    cpu: null as unknown as Cpu,
    mmu: new Mmu({ memorySize: 4 * 1024 * 1024 }),
    procs,
    files: new FileTable(() => undefined),
    console: new Console(
      (bytes) => printed.push(Buffer.from(bytes).toString("latin1")),
      () => "",
    ),
    clock: new Clock(),
    trace: { syscall: null, proc: null, exec: null, sched: null },
  });
  core.fs = FileSystem.mount(device);
  const process = procs.alloc()!;
  process.pgdir = core.mmu.setupKvm();
  process.cwd = core.fs.idup(core.fs.root);
  return { core, process, printed, badNames: Object.keys(bad) };
}

function words(core: KernelCore, pgdir: number, va: number, count: number): number[] {
  const bytes = new Uint8Array(count * 4);
  expect(core.mmu.copyIn(pgdir, va, bytes, 0)).toBe(true);
  const view = new DataView(bytes.buffer);
  return Array.from({ length: count }, (_, i) => view.getUint32(i * 4, true));
}

function string(core: KernelCore, pgdir: number, va: number): string | null {
  return core.mmu.copyInStr(pgdir, va, 64, 0);
}

describe("exec", () => {
  it("builds segments, guard page and the argument stack", () => {
    const { core, process } = setup();
    expect(exec(core, process, "/prog", ["prog", "a1", "bb2"])).toBe(0);
    const { pgdir, sz } = process;
    expect(sz).toBe(PROBE_SZ);
    expect(process.name).toBe("prog");
    expect(process.context.eip).toBe(116);

    const esp = process.context.esp;
    const [fakePc, argc, argv, ...rest] = words(core, pgdir, esp, 7);
    expect(fakePc).toBe(0xffffffff);
    expect(argc).toBe(3);
    expect(argv).toBe(esp + 12);
    expect(rest[3]).toBe(0);
    const pointers = rest.slice(0, 3);
    expect(pointers.map((p) => string(core, pgdir, p))).toEqual(["prog", "a1", "bb2"]);
    for (const pointer of pointers) expect(pointer % 4).toBe(0);
    expect(pointers[0]!).toBeGreaterThan(pointers[1]!);
    expect(pointers[1]!).toBeGreaterThan(pointers[2]!);
    expect(pointers[2]! > esp).toBe(true);
    expect(pointers[0]! < sz).toBe(true);

    const pteAt = (va: number) =>
      new DataView(core.mmu.memory).getUint32(core.mmu.walkPgdir(pgdir, va, false), true);
    expect(pteAt(sz - 2 * 4096) & PTE_U).toBe(0);
    expect(pteAt(sz - 4096) & PTE_U).toBe(PTE_U);
  });

  it("names the process after the last path element, 15 bytes at most", () => {
    const { core, process } = setup();
    core.fileSystem.beginOp();
    const ip = core.fileSystem.create("/d", 1, 0, 0, core.fileSystem.root)!;
    core.fileSystem.iput(ip);
    expect(core.fileSystem.link("/exit", "/d/abcdefghijklmnopq", core.fileSystem.root)).toBe(true);
    core.fileSystem.endOp();
    expect(exec(core, process, "/d/abcdefghijklmnopq", ["x"])).toBe(0);
    expect(process.name).toBe("abcdefghijklmno");
  });

  it("frees the old image on success", () => {
    const { core, process } = setup();
    expect(exec(core, process, "/prog", ["prog"])).toBe(0);
    const free = core.mmu.frames.freeCount;
    expect(exec(core, process, "/exit", ["exit"])).toBe(0);
    expect(core.mmu.frames.freeCount).toBe(free);
  });

  it("fails without changes on every bad executable", () => {
    const { core, process, badNames } = setup();
    expect(exec(core, process, "/prog", ["prog"])).toBe(0);
    const before = {
      pgdir: process.pgdir,
      sz: process.sz,
      context: { ...process.context },
      name: process.name,
      free: core.mmu.frames.freeCount,
    };
    const cases = [
      ...badNames.map((name) => ({ path: `/${name}`, argv: ["x"] })),
      { path: "/missing", argv: ["x"] },
      { path: "/exit", argv: new Array(32).fill("a") },
      { path: "/exit", argv: ["x".repeat(3000), "y".repeat(2000)] },
    ];
    for (const { path, argv } of cases) {
      expect({ path, result: exec(core, process, path, argv) }).toEqual({ path, result: -1 });
      expect({
        pgdir: process.pgdir,
        sz: process.sz,
        context: process.context,
        name: process.name,
        free: core.mmu.frames.freeCount,
      }).toEqual(before);
    }
  });

  it("prints exec: fail for a missing program and allocuvm for memsz", () => {
    const { core, process, printed } = setup();
    exec(core, process, "/missing", ["missing"]);
    exec(core, process, "/bad-memsz", ["bad"]);
    expect(printed.join("")).toBe("exec: fail\nallocuvm out of memory\n");
  });

  it("accepts 31 arguments", () => {
    const { core, process } = setup();
    expect(exec(core, process, "/exit", new Array(31).fill("a"))).toBe(0);
    expect(words(core, process.pgdir, process.context.esp, 2)[1]).toBe(31);
  });
});
