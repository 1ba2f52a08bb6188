import { describe, expect, it } from "vitest";
import { type BoundaryFacts, boundaryProblem } from "./capture.js";

const INT_64 = Uint8Array.of(0xcd, 0x40);
const READ = { syscall: 5, name: "read" };

/** Returns the facts of a process parked in read: sleeping, eip on its int $64, eax 5. */
function parked(): BoundaryFacts {
  return { pid: 4, state: "sleeping", blocked: READ, eax: 5, eip: 0x2a1, instruction: INT_64 };
}

describe("boundaryProblem", () => {
  it("accepts a process between instructions or parked at its call", () => {
    const between: BoundaryFacts = {
      pid: 4,
      state: "runnable",
      blocked: null,
      eax: 7,
      eip: 0x40,
      instruction: Uint8Array.of(0x89, 0xe5),
    };
    expect(boundaryProblem(between)).toBeNull();
    expect(boundaryProblem({ ...between, state: "stopped" })).toBeNull();
    expect(boundaryProblem(parked())).toBeNull();
    // Woken but not yet on the CPU: still on its int $64, and the call runs again from the start.
    expect(boundaryProblem({ ...parked(), state: "runnable" })).toBeNull();
    expect(boundaryProblem({ ...parked(), state: "stopped" })).toBeNull();
  });

  it("rejects a process inside a system call", () => {
    expect(boundaryProblem({ ...parked(), state: "running", blocked: null })).toBe(
      "pid 4 is in the middle of a system call; try again once the call has returned or blocked",
    );
    // Sleeping before the kernel recorded the call: eip is still past the int $64.
    expect(boundaryProblem({ ...parked(), blocked: null, eip: 0x2a3 })).toBe(
      "pid 4 is in the middle of a system call: it sleeps, but the kernel has not parked it on its int $64; try again once the call has returned or blocked",
    );
    // Retrying a call it was blocked in, which blocks again: the old record, eip past the int.
    expect(boundaryProblem({ ...parked(), eip: 0x2a3, instruction: Uint8Array.of(0xc3, 0) })).toBe(
      "pid 4 is in the middle of system call read: eip 0x2a3 is not on its int $64; try again once the call has returned or blocked",
    );
    expect(boundaryProblem({ ...parked(), instruction: null })).toBe(
      "pid 4 is in the middle of system call read: eip 0x2a1 is not on its int $64; try again once the call has returned or blocked",
    );
  });

  it("rejects a parked process whose eax lost the call number", () => {
    expect(boundaryProblem({ ...parked(), eax: 0 })).toBe(
      "pid 4 is blocked in read, but eax holds 0, not the call number 5",
    );
  });
});
