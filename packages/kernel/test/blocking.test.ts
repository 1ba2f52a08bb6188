/**
 * Blocking calls on the CPU. A pipe write larger than the pipe is retried until done. sleep and
 * uptime count deterministic ticks. The extension point reports a sleeping child's remaining
 * ticks, and kill ends that child.
 */
import { describe, expect, it } from "vitest";
import {
  SYS_close,
  SYS_exit,
  SYS_fork,
  SYS_getpid,
  SYS_kill,
  SYS_pipe,
  SYS_read,
  SYS_sleep,
  SYS_uptime,
  SYS_wait,
  SYS_write,
} from "../src/index.js";
import { RESULTS_BASE } from "./asm.js";
import { probeProgram, readResults } from "./probes.js";
import { type Session, startProgram } from "./session.js";

/** Runs a probe as pid 2 to its second console wait. */
async function runToSecondWait(session: Session): Promise<void> {
  await session.waitForConsoleWaits(1);
  const second = session.nextConsoleWait();
  session.kernel.input("\n");
  await second;
}

describe("pipes", () => {
  it("carry a 2000-byte write through the 512-byte buffer intact", async () => {
    const pattern = Uint8Array.from({ length: 2000 }, (_, i) => (i * 7 + 3) & 0xff);
    const received = RESULTS_BASE + 0x100;
    const program = probeProgram((asm) => {
      const fds = asm.words([0, 0]);
      const source = asm.data(pattern);
      const total = asm.words([0]);
      asm.syscall(SYS_pipe, fds);
      asm.syscall(SYS_fork);
      asm.jumpIfZero("writer");
      asm
        .pushMem(fds + 4)
        .pushImm(0)
        .interrupt(SYS_close, 1);
      asm.label("read");
      asm.loadEax(total).addEaxImm(received);
      asm.pushImm(700).pushEax().pushMem(fds).pushImm(0).interrupt(SYS_read, 3);
      asm.jumpIfLess(1, "done");
      asm.addMemEax(total);
      asm.jump("read");
      asm.label("writer");
      asm
        .pushImm(2000)
        .pushImm(source)
        .pushMem(fds + 4)
        .pushImm(0)
        .interrupt(SYS_write, 3);
      asm.storeEax(total);
      asm.syscall(SYS_exit);
      asm.label("done");
      asm.syscall(SYS_wait);
      asm.loadEax(total).record();
    });
    const session = startProgram(program);
    await runToSecondWait(session);
    expect(readResults(session.kernel.readMemory(2, RESULTS_BASE, 4), 1)).toEqual([2000]);
    expect(session.kernel.readMemory(2, received, 2000)).toEqual(pattern);
    await session.shutdown();
  });
});

describe("sleep and uptime", () => {
  it("sleep waits exactly its ticks on the deterministic clock", async () => {
    const program = probeProgram((asm) => {
      asm.syscall(SYS_uptime).record();
      asm.syscall(SYS_sleep, 25).record();
      asm.syscall(SYS_uptime).record();
      asm.syscall(SYS_sleep, 0).record();
    });
    const session = startProgram(program);
    await runToSecondWait(session);
    const [before, slept, after, sleptZero] = readResults(
      session.kernel.readMemory(2, RESULTS_BASE, 16),
      4,
    );
    expect(slept).toBe(0);
    expect(sleptZero).toBe(0);
    expect(after! - before!).toBe(25);
    await session.shutdown();
  });

  it("reports a sleeping child's remaining ticks and kills it", async () => {
    const program = probeProgram((asm) => {
      const child = asm.words([0]);
      asm.syscall(SYS_fork);
      asm.jumpIfZero("child");
      asm.storeEax(child);
      asm.syscall(SYS_sleep, 1);
      asm.pushMem(child).pushImm(0).interrupt(22, 1).record();
      asm.pushMem(child).pushImm(0).interrupt(SYS_kill, 1).record();
      asm.syscall(SYS_wait).record();
      asm.loadEax(child).record();
      asm.jump("end");
      asm.label("child");
      asm.syscall(SYS_sleep, 500);
      asm.syscall(SYS_getpid);
      asm.syscall(SYS_exit);
      asm.label("end");
    });
    const session = startProgram(program);
    const api = session.kernel.extension;
    api.registerSyscall(22, "remaining", (call) => {
      const pid = call.argInt(0);
      const blocked = pid === null ? null : api.findProcess(pid)?.blockedCall();
      return blocked?.name === "sleep" ? (blocked.sleepTicksRemaining ?? -2) : -3;
    });
    await runToSecondWait(session);
    const [remaining, killed, waited, child] = readResults(
      session.kernel.readMemory(2, RESULTS_BASE, 16),
      4,
    );
    expect(remaining).toBe(499);
    expect(killed).toBe(0);
    expect(waited).toBe(child);
    await session.shutdown();
  });
});
