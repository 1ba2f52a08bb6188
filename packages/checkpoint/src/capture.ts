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
 */
import type { DescriptorInfo, KernelExtensionApi, ProcessControl } from "@xv6ts/kernel";
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
