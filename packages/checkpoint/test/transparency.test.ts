/**
 * Transparency: for each kind of process state, checkpoint, kill, reboot on a copy of the disk
 * and restart, and the program's output equals that of an uninterrupted run. Calls that cannot
 * be carried over (a `wait` for children, a write into a full pipe) return -1 when the restarted
 * process issues them again, and nothing else differs. Each test also checks, through the
 * image's summary, that the checkpoint caught the state it is about.
 */
import fc from "fast-check";
import { describe, expect, it, test } from "vitest";
import {
  afterOutput,
  blockedIn,
  type Checkpoint,
  runUninterrupted,
  runWithCheckpoints,
  type Workload,
} from "./transparency.js";

const WORKLOADS = {
  compute: { command: "ctcompute 2000000", name: "ctcompute" },
  memory: { command: "memhog 3", name: "memhog", inputs: ["v", "q"] },
  sbrk: { command: "ctsbrk", name: "ctsbrk" },
  recursion: { command: "ctrecurse 3000", name: "ctrecurse" },
  sleep: { command: "ctsleep", name: "ctsleep" },
  wait: { command: "ctwait", name: "ctwait" },
  pipe: { command: "ctpipe", name: "ctpipe" },
  file: { command: "ctread /ls", name: "ctread" },
} satisfies Record<string, Workload>;

/** What a test expects to differ from the uninterrupted run. */
interface Differences {
  /** Rewrites the uninterrupted output into the expected one. */
  change?: (output: string) => string;
  /** Lines the kernel prints about the checkpoint or restart, each expected once. */
  kernelLines?: string[];
}

/**
 * Checks one workload with the given checkpoints against its uninterrupted output, allowing
 * only the stated differences. Returns the run for further checks.
 */
async function expectTransparent(
  workload: Workload,
  checkpoints: Checkpoint[],
  differences: Differences = {},
) {
  const uninterrupted = await runUninterrupted(workload);
  const run = await runWithCheckpoints(workload, checkpoints);
  let output = run.output;
  for (const line of differences.kernelLines ?? []) {
    expect(output.split(`${line}\n`).length - 1, `kernel line "${line}"`).toBe(1);
    output = output.replace(`${line}\n`, "");
  }
  const change = differences.change ?? ((text: string) => text);
  expect(output).toBe(change(uninterrupted.output));
  return run;
}

describe("checkpoint, kill and restart", () => {
  it("continues a pure computation", async () => {
    const run = await expectTransparent(WORKLOADS.compute, [{ atTick: 7 }]);
    expect(run.images[0]!.state).toBe("running");
    expect(run.segments[0]).toContain("ctcompute: 30%");
    expect(run.segments[1]).toContain("ctcompute: 100%");
  });

  it("keeps large memory written with a pattern", async () => {
    const run = await expectTransparent(WORKLOADS.memory, [{ atTick: 40 }]);
    expect(run.images[0]!.pages.present).toBeGreaterThan(768);
    expect(run.output).toContain("memhog: 3 MiB verified\n");
  });

  it("keeps memory grown and shrunk with sbrk", async () => {
    const run = await expectTransparent(WORKLOADS.sbrk, [{ atTick: 30 }]);
    expect(run.segments[0]).toContain("ctsbrk: shrunk");
    expect(run.segments[1]).toContain("ctsbrk: regrown");
  });

  it("keeps a deep recursion on its stack", async () => {
    const run = await expectTransparent(WORKLOADS.recursion, [{ atTick: 8 }]);
    expect(run.images[0]!.state).toBe("blocked in sleep");
    expect(run.segments[1]).toContain("ctrecurse: up ");
  });

  it("resumes a process blocked on console input", async () => {
    const run = await expectTransparent(WORKLOADS.memory, [{ when: blockedIn("read") }]);
    expect(run.images[0]!.state).toBe("blocked in read");
  });

  it("resumes a sleep with the ticks that remained", async () => {
    const run = await expectTransparent(WORKLOADS.sleep, [{ atTick: 70 }]);
    expect(run.images[0]!.state).toBe("blocked in sleep");
    expect(run.images[0]!.sleepTicksRemaining).toBeGreaterThan(0);
  });

  it("makes a re-issued wait without children return -1", async () => {
    const run = await expectTransparent(WORKLOADS.wait, [{ atTick: 20 }], {
      change: (output) => output.replace("wait returned a child", "wait returned -1"),
    });
    expect(run.images[0]!.state).toBe("blocked in wait");
  });

  it("makes a re-issued write into a lost pipe return -1", async () => {
    // ckptat is pid 3 and ctpipe pid 4; fd 4 is the write end, fd 3 (the read end) is closed.
    const run = await expectTransparent(WORKLOADS.pipe, [{ atTick: 20 }], {
      change: (output) => output.replace("write returned 2000", "write returned -1"),
      kernelLines: [
        "checkpoint: pid 4 fd 4 is the write end of a pipe, which restart will close",
        "restart: fd 4 closed: it was the write end of a pipe, and pipes are not restored",
      ],
    });
    expect(run.images[0]!.state).toBe("blocked in write");
  });

  it("reopens a file read half way at its offset", async () => {
    const run = await expectTransparent(WORKLOADS.file, [{ atTick: 15 }]);
    const files = run.images[0]!.descriptors.filter((d) => d.path === "/ls");
    expect(files.map((d) => [d.fd, d.sharesWith])).toEqual([
      [3, null],
      [4, 3],
    ]);
    expect(files[0]!.offset).toBeGreaterThan(0);
  });

  it("continues a computation saved from the host", async () => {
    await expectTransparent(WORKLOADS.compute, [{ when: afterOutput("30%") }]);
  });

  it("survives two rounds in a row", async () => {
    await expectTransparent(WORKLOADS.sleep, [{ atTick: 40 }, { atTick: 65 }]);
    await expectTransparent(WORKLOADS.sbrk, [{ atTick: 10 }, { atTick: 12 }]);
  });
});

test("a process that checkpoints itself sees 1 after restart", async () => {
  const saving = await runUninterrupted({ command: "ctself /self", name: "ctself" });
  expect(saving.output).toContain("ctself: checkpoint returned 0\n");
  const restarted = await runUninterrupted(
    { command: "restart /self", name: "ctself" },
    saving.device,
  );
  const afterCall = saving.output.slice(saving.output.indexOf("ctself: checkpoint returned"));
  expect(restarted.output).toBe(afterCall.replace("returned 0", "returned 1"));
});

test("restart restores every register and flag exactly", async () => {
  const saving = await runUninterrupted({ command: "ctregs /regs", name: "ctregs" });
  expect(saving.output).toMatch(
    /^ctregs: eax 0 ebx 11111111 ecx 22222222 edx 33333333 esi 44444444 edi 55555555 ebp 66666666 esp [0-9a-f]+ eflags [0-9a-f]+\n$/,
  );
  const eflags = Number.parseInt(saving.output.split("eflags ")[1]!, 16);
  // CF and DF, which the program sets before the call, and IF.
  expect(eflags & 0x601).toBe(0x601);
  const restarted = await runUninterrupted(
    { command: "restart /regs", name: "ctregs" },
    saving.device,
  );
  expect(restarted.output).toBe(saving.output.replace("eax 0 ", "eax 1 "));
});

test("restart keeps data segment selectors of any RPL", async () => {
  const saving = await runUninterrupted({ command: "ctsegs /segs", name: "ctsegs" });
  expect(saving.output).toBe("ctsegs: returned 0 ds 21 es 22 fs 20 gs 18\n");
  const restarted = await runUninterrupted(
    { command: "restart /segs", name: "ctsegs" },
    saving.device,
  );
  expect(restarted.output).toBe("ctsegs: returned 1 ds 21 es 22 fs 20 gs 18\n");
});

test("restart is transparent at any instant of a run", { tags: ["slow"] }, async () => {
  const candidates = ["compute", "sbrk", "recursion", "sleep", "file", "memory"] as const;
  // Ticks each program runs for when nothing interrupts it; memhog then waits for input.
  const durations = new Map<string, number>();
  for (const name of candidates) {
    const workload: Workload =
      name === "memory" ? { ...WORKLOADS.memory, command: "memhog 1" } : WORKLOADS[name];
    durations.set(name, name === "memory" ? 20 : (await runUninterrupted(workload)).ticks);
  }

  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...candidates),
      fc.double({ min: 0, max: 1, noNaN: true }),
      async (name, at) => {
        const workload: Workload =
          name === "memory" ? { ...WORKLOADS.memory, command: "memhog 1" } : WORKLOADS[name];
        const tick = Math.floor(at * (durations.get(name)! - 2));
        const uninterrupted = await runUninterrupted(workload);
        const run = await runWithCheckpoints(workload, [{ atTick: tick }]);
        expect(run.output, `${workload.command} saved at tick ${tick}`).toBe(uninterrupted.output);
      },
    ),
    // Each run boots three kernels; shrinking a failure would take minutes, and the message
    // already names the program and the tick.
    { numRuns: 12, endOnFailure: true },
  );
});
