/**
 * Saving a process: the dump checklist, run on a target the caller has frozen (or on the calling
 * process itself, which is inside the checkpoint system call and cannot run meanwhile).
 *
 *   1. registers   every user register as the kernel keeps them. A target blocked in a system
 *                  call has eip on that call's `int $64` and the registers it entered with, so a
 *                  restart issues the call again. A process that saves itself is at the return
 *                  of `checkpoint`: eax becomes 1, which the restarted call returns.
 *   2. blocked call  which call it waits in; for `sleep`, the ticks that remain.
 *   3. clock       the ticks `uptime()` returns to it now (kernel ticks plus its clock offset).
 *   4. memory      every present page of [0, sz), read through the target's own page directory,
 *                  with its permission bits. The stack guard page lacks U. Pages of zeros are
 *                  recorded without their bytes.
 *   5. working directory  its inode number and absolute path.
 *   6. descriptors  kind, inode, path, offset, mode and device numbers, and which lower
 *                  descriptor shares the same open file. Pipe ends are recorded but cannot be
 *                  restored, so each one gives a warning.
 *
 * Before any of that, `boundaryProblem` checks that a target other than the caller is at a
 * system-call boundary. Host code can run while the kernel is inside a call for the target (an
 * output or console-wait listener), and registers taken then are neither the call's entry nor
 * its return.
 */
import {
  type BlockedCall,
  type DescriptorInfo,
  type KernelExtensionApi,
  type ProcessControl,
  type ProcState,
  SYSCALL_INSTRUCTION_LENGTH,
  T_SYSCALL,
} from "@xv6ts/kernel";
import { PGSIZE, PTE_P, PTE_U, PTE_W } from "@xv6ts/mmu";
import {
  type DescriptorRecord,
  type ImageContents,
  type PageRecord,
  REGISTER_ORDER,
  type Registers,
} from "./format.js";

/** The product of a capture: image contents, and warnings to print once the image is saved. */
export interface Capture {
  contents: ImageContents;
  warnings: string[];
}

/**
 * Reads the whole state of `target` into image contents. The caller has frozen the target, or
 * the target is the caller (`savedItself`). Changes nothing in the target.
 */
export function captureProcess(
  api: KernelExtensionApi,
  target: ProcessControl,
  savedItself: boolean,
): Capture {
  const registers = captureRegisters(target, savedItself);
  const blocked = savedItself ? null : target.blockedCall();
  const pages = capturePages(api, target);
  const cwd = target.cwd();
  const { descriptors, warnings } = captureDescriptors(target);

  const contents: ImageContents = {
    process: {
      pid: target.pid,
      parentPid: target.parentPid,
      name: target.name,
      sz: target.sz,
      uptime: (api.ticks + target.clockOffset) >>> 0,
      blockedSyscall: blocked?.syscall ?? 0,
      sleepTicksRemaining: blocked?.sleepTicksRemaining ?? 0,
      savedItself,
    },
    registers,
    cwd: {
      inum: cwd.inode === null ? 0 : api.fileSystem.stati(cwd.inode).ino,
      path: cwd.path,
    },
    descriptors,
    pages,
  };
  return { contents, warnings };
}

function captureRegisters(target: ProcessControl, savedItself: boolean): Registers {
  const context = target.registers();
  const registers = {} as Registers;
  for (const name of REGISTER_ORDER) registers[name] = context[name] >>> 0;
  if (savedItself) registers.eax = 1;
  return registers;
}

/** Returns the present pages of [0, sz) with their permission bits. */
function capturePages(api: KernelExtensionApi, target: ProcessControl): PageRecord[] {
  const pages: PageRecord[] = [];
  if (target.sz === 0) return pages;
  for (const page of api.mmu.readAddressSpace(target.pgdir, 0, target.sz)) {
    if (page.type !== "present") continue;
    pages.push({
      va: page.va,
      flags: page.flags & (PTE_P | PTE_W | PTE_U),
      bytes: isZeroPage(page.bytes) ? null : page.bytes,
    });
  }
  return pages;
}

function isZeroPage(bytes: Uint8Array): boolean {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, PGSIZE / 4);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
  return true;
}

function captureDescriptors(target: ProcessControl): {
  descriptors: DescriptorRecord[];
  warnings: string[];
} {
  const infos = target.descriptors().sort((a, b) => a.fd - b.fd);
  const descriptors: DescriptorRecord[] = [];
  const warnings: string[] = [];
  for (const info of infos) {
    const first = infos.find((other) => other.file === info.file);
    descriptors.push(
      describeDescriptor(info, first === undefined || first === info ? null : first.fd),
    );
    if (info.kind === "pipe-read" || info.kind === "pipe-write") {
      const end = info.kind === "pipe-read" ? "read" : "write";
      warnings.push(
        `checkpoint: pid ${target.pid} fd ${info.fd} is the ${end} end of a pipe, which restart will close`,
      );
    }
  }
  return { descriptors, warnings };
}

function describeDescriptor(info: DescriptorInfo, sharesWith: number | null): DescriptorRecord {
  const pipe = info.kind === "pipe-read" || info.kind === "pipe-write";
  return {
    fd: info.fd,
    kind: info.kind,
    readable: info.readable,
    writable: info.writable,
    sharesWith,
    inum: pipe ? 0 : info.inum,
    offset: pipe ? 0 : info.offset,
    major: info.kind === "device" ? info.major : 0,
    minor: info.kind === "device" ? info.minor : 0,
    path: pipe ? null : info.path,
  };
}

/** The instruction a parked process's eip is on: `int $64` (opcode 0xcd, then the vector). */
const INT_OPCODE = 0xcd;

/** The facts that tell whether a process is at a system-call boundary. */
export interface BoundaryFacts {
  pid: number;
  state: ProcState;
  blocked: BlockedCall | null;
  eax: number;
  eip: number;
  /** The instruction bytes at eip as user code reads them; null when they are not mapped. */
  instruction: Uint8Array | null;
}

/** Reads the boundary facts of `target` through the kernel's process view and its memory. */
export function boundaryFacts(api: KernelExtensionApi, target: ProcessControl): BoundaryFacts {
  const registers = target.registers();
  const eip = registers.eip >>> 0;
  const instruction = new Uint8Array(SYSCALL_INSTRUCTION_LENGTH);
  const mapped = target.sz > 0 && api.mmu.copyIn(target.pgdir, eip, instruction, 3);
  return {
    pid: target.pid,
    state: target.state,
    blocked: target.blockedCall(),
    eax: registers.eax >>> 0,
    eip,
    instruction: mapped ? instruction : null,
  };
}

/**
 * Returns why a process other than the caller cannot be saved in its current state, or null. It
 * must be in user mode between two instructions, or parked by the kernel on the `int $64` of the
 * call it is blocked in, with that call's number still in eax. A restart re-issues such a call.
 */
export function boundaryProblem(facts: BoundaryFacts): string | null {
  const { pid, state, blocked, eip } = facts;
  const retry = "; try again once the call has returned or blocked";
  if (state === "running") return `pid ${pid} is in the middle of a system call${retry}`;
  if (blocked === null) {
    // A sleeping process always waits in a call; only the kernel's parking records which.
    if (state !== "sleeping") return null;
    return `pid ${pid} is in the middle of a system call: it sleeps, but the kernel has not parked it on its int $64${retry}`;
  }
  const instruction = facts.instruction;
  if (instruction === null || instruction[0] !== INT_OPCODE || instruction[1] !== T_SYSCALL) {
    return `pid ${pid} is in the middle of system call ${blocked.name}: eip 0x${eip.toString(16)} is not on its int $64${retry}`;
  }
  if (facts.eax !== blocked.syscall) {
    return `pid ${pid} is blocked in ${blocked.name}, but eax holds ${facts.eax}, not the call number ${blocked.syscall}`;
  }
  return null;
}
