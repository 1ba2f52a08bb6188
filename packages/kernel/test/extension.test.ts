/**
 * The extension point, exercised the way the checkpoint package uses it: registered calls,
 * handlers that set registers, process views, freezing, and replacing the caller's image.
 */
import { describe, expect, it } from "vitest";
import { type KernelExtensionApi, type OpenFile, REGISTERS_SET } from "../src/index.js";
import { probeProgram, RESULTS_BASE, readResults } from "./probes.js";
import { bootSession, type Session, startProgram } from "./session.js";

/** Boots with the probe as pid 2, lets `setup` register calls, runs it to its second wait. */
async function runProbe(program: Uint8Array, setup: (api: KernelExtensionApi) => void = () => {}) {
  const session = startProgram(program);
  setup(session.kernel.extension);
  await session.waitForConsoleWaits(1);
  const framesBefore = session.kernel.freeFrames;
  const second = session.nextConsoleWait();
  session.kernel.input("\n");
  await second;
  const probe = session.kernel.processes().find((p) => p.pid === 2)!;
  return { session, probe, framesBefore, framesAfter: session.kernel.freeFrames };
}

async function finish(session: Session): Promise<void> {
  session.kernel.input("\n");
  await session.settle();
  await session.shutdown();
}

describe("extension system calls", () => {
  it("answer unknown numbers with xv6's line and -1", async () => {
    const program = probeProgram((asm) => {
      for (const number of [22, 23, 24, 99, 0]) asm.syscall(number).record();
    });
    const { session } = await runProbe(program);
    const results = readResults(session.kernel.readMemory(2, RESULTS_BASE, 20), 5);
    expect(results).toEqual([-1, -1, -1, -1, -1]);
    for (const number of [22, 23, 24, 99, 0]) {
      expect(session.text).toContain(`2 program: unknown sys call ${number}\n`);
    }
    await finish(session);
  });

  it("return a registered handler's value in eax", async () => {
    const program = probeProgram((asm) => {
      asm.syscall(22, 21).record();
    });
    const { session } = await runProbe(program, (api) => {
      api.registerSyscall(22, "double", (call) => (call.argInt(0) ?? 0) * 2);
    });
    expect(readResults(session.kernel.readMemory(2, RESULTS_BASE, 4), 1)).toEqual([42]);
    await finish(session);
  });

  it("keep registers a handler set itself", async () => {
    const program = probeProgram((asm) => {
      asm.syscall(23).record();
      asm.raw(0x89, 0xd8); // mov eax, ebx
      asm.record();
    });
    const { session } = await runProbe(program, (api) => {
      api.registerSyscall(23, "setregs", (call) => {
        const registers = call.process.registers();
        expect(call.process.setRegisters({ ...registers, eax: 7, ebx: 9 })).toBeNull();
        return REGISTERS_SET;
      });
    });
    expect(readResults(session.kernel.readMemory(2, RESULTS_BASE, 8), 2)).toEqual([7, 9]);
    await finish(session);
  });

  it("reject registration of a taken or reserved number", async () => {
    const session = await bootSession({ programs: ["init", "sh"] });
    const api = session.kernel.extension;
    expect(() => api.registerSyscall(7, "exec2", () => 0)).toThrow(
      "system call number 7 is not free for extensions; use 22 to 255",
    );
    api.registerSyscall(22, "first", () => 0);
    expect(() => api.registerSyscall(22, "second", () => 0)).toThrow(
      "system call 22 is already registered as first",
    );
    await session.shutdown();
  });
});

describe("replaceImage", () => {
  it("swaps in a copied image with new registers and frees the old one", async () => {
    const program = probeProgram((asm) => {
      asm.syscall(24).record();
    });
    const { session, probe, framesBefore, framesAfter } = await runProbe(program, (api) => {
      api.registerSyscall(24, "swap", (call) => {
        const caller = call.process;
        const pgdir = api.mmu.copyUvm(caller.pgdir, caller.sz);
        const files: (OpenFile | null)[] = new Array(16).fill(null);
        for (const descriptor of caller.descriptors()) {
          files[descriptor.fd] = api.dupFile(descriptor.file);
        }
        const cwd = caller.cwd();
        const problem = api.replaceImage(caller, {
          pgdir,
          sz: caller.sz,
          registers: { ...caller.registers(), eax: 77 },
          name: "swapped",
          files,
          cwd: { inode: api.fileSystem.idup(cwd.inode!), path: cwd.path },
        });
        expect(problem).toBeNull();
        return REGISTERS_SET;
      });
    });
    expect(readResults(session.kernel.readMemory(2, RESULTS_BASE, 4), 1)).toEqual([77]);
    expect(probe.name).toBe("swapped");
    expect(framesAfter).toBe(framesBefore);
    await finish(session);
  });

  it("leaves the caller unchanged when the image is invalid", async () => {
    const program = probeProgram((asm) => {
      asm.syscall(24).record();
    });
    const problems: (string | null)[] = [];
    let callerPgdir = 0;
    const { session, probe } = await runProbe(program, (api) => {
      api.registerSyscall(24, "badswap", (call) => {
        const caller = call.process;
        callerPgdir = caller.pgdir;
        const cwd = caller.cwd();
        const base = {
          pgdir: caller.pgdir + 4096,
          sz: caller.sz,
          registers: caller.registers(),
          name: "bad",
          files: [],
          cwd: { inode: cwd.inode!, path: cwd.path },
        };
        problems.push(api.replaceImage(caller, { ...base, sz: 0x80000000 }));
        problems.push(
          api.replaceImage(caller, { ...base, registers: { ...base.registers, cs: 0x08 } }),
        );
        problems.push(
          api.replaceImage(caller, { ...base, registers: { ...base.registers, ds: 0x10 } }),
        );
        problems.push(
          api.replaceImage(caller, { ...base, registers: { ...base.registers, eflags: 0x3202 } }),
        );
        problems.push(
          api.replaceImage(caller, { ...base, registers: { ...base.registers, eflags: 0x002 } }),
        );
        problems.push(api.replaceImage(caller, { ...base, pgdir: caller.pgdir }));
        return 5;
      });
    });
    expect(problems).toEqual([
      "bad size 2147483648",
      "cs 0x8 is not the user code selector 0x1b",
      "ds 0x10 is not a selector user mode can hold",
      "eflags 0x3202 has IOPL 3, not 0",
      "eflags 0x2 lacks bit 1 or IF, which user mode always has",
      `bad page directory ${callerPgdir}`,
    ]);
    expect(readResults(session.kernel.readMemory(2, RESULTS_BASE, 4), 1)).toEqual([5]);
    expect(probe.name).toBe("program");
    await finish(session);
  });
});

describe("process views", () => {
  it("describe blocked calls, descriptors and working directory", async () => {
    const session = await bootSession({ programs: ["init", "sh"] });
    await session.settle();
    const api = session.kernel.extension;
    const init = api.findProcess(1)!;
    const sh = api.findProcess(2)!;
    expect(init.blockedCall()).toEqual({ syscall: 3, name: "wait" });
    expect(sh.blockedCall()).toEqual({ syscall: 5, name: "read" });
    expect(sh.parentPid).toBe(1);
    expect(sh.cwd().path).toBe("/");
    const descriptors = sh
      .descriptors()
      .map(({ fd, kind, path, major, minor, readable, writable }) => ({
        fd,
        kind,
        path,
        major,
        minor,
        readable,
        writable,
      }));
    expect(descriptors).toEqual(
      [0, 1, 2].map((fd) => ({
        fd,
        kind: "device",
        path: "/console",
        major: 1,
        minor: 1,
        readable: true,
        writable: true,
      })),
    );
    expect(sh.registers().eip).toBe(sh.registers().eip);
    expect(api.findProcess(42)).toBeNull();
    await session.shutdown();
  });

  it("freeze a waiting shell and thaw it to read the typed line", async () => {
    const session = await bootSession({ programs: ["init", "sh", "echo"] });
    await session.settle();
    const sh = session.kernel.extension.findProcess(2)!;
    const eipBefore = sh.registers().eip;
    expect(sh.freeze()).toBe(true);
    expect(sh.state).toBe("stopped");
    expect(sh.registers().eip).toBe(eipBefore);
    const start = session.text.length;
    session.kernel.input("\x10");
    expect(session.text.slice(start)).toBe("1 sleep  init\n2 stop   sh\n");
    const next = session.nextConsoleWait();
    session.kernel.input("echo thawed\n");
    expect(sh.thaw()).toBe(true);
    await next;
    expect(session.text).toContain("echo thawed\nthawed\n$ ");
    expect(sh.thaw()).toBe(false);
    await session.shutdown();
  });

  it("create a child of init from a copied image", async () => {
    const session = startProgram(probeProgram(() => {}));
    await session.waitForConsoleWaits(1);
    await session.settle();
    const api = session.kernel.extension;
    const source = api.findProcess(2)!;
    const files: (OpenFile | null)[] = source.descriptors().map((d) => api.dupFile(d.file));
    const cwd = source.cwd();
    const waits = session.consoleWaits;
    const created = api.createProcess({
      pgdir: api.mmu.copyUvm(source.pgdir, source.sz),
      sz: source.sz,
      registers: source.registers(),
      name: "clone",
      files,
      cwd: { inode: api.fileSystem.idup(cwd.inode!), path: cwd.path },
    });
    expect(typeof created).not.toBe("string");
    await session.waitForConsoleWaits(waits + 1);
    await session.settle();
    expect(session.kernel.processes().find((p) => p.pid === 3)).toEqual({
      pid: 3,
      state: "sleeping",
      name: "clone",
      size: source.sz,
      parentPid: 1,
    });
    await session.shutdown();
  });

  it("add a process's clock offset to uptime", async () => {
    const program = probeProgram((asm) => {
      asm.syscall(14).record();
      asm.syscall(22).record();
      asm.syscall(14).record();
    });
    const { session } = await runProbe(program, (api) => {
      api.registerSyscall(22, "offset", (call) => {
        call.process.clockOffset = 1000;
        return 0;
      });
    });
    const [before, , after] = readResults(session.kernel.readMemory(2, RESULTS_BASE, 12), 3);
    expect(after! - before!).toBe(1000);
    await finish(session);
  });
});
