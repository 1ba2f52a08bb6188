/**
 * The system-call table: xv6's 21 calls by number. Numbers 22 and up are empty until an extension
 * registers them (see extension-host.ts).
 */
import type { KernelCore, SyscallResult } from "./core.js";
import { sysExec } from "./exec.js";
import { SYSCALL_NAMES } from "./param.js";
import {
  sysChdir,
  sysClose,
  sysDup,
  sysFstat,
  sysLink,
  sysMkdir,
  sysMknod,
  sysOpen,
  sysPipe,
  sysRead,
  sysUnlink,
  sysWrite,
} from "./sys-file.js";
import {
  sysExit,
  sysFork,
  sysGetpid,
  sysKill,
  sysSbrk,
  sysSleep,
  sysUptime,
  sysWait,
} from "./sys-proc.js";
import type { SyscallCall, SyscallEntry } from "./syscall.js";

type Implementation = (core: KernelCore, call: SyscallCall) => SyscallResult;

/** Implementations in the order of their numbers, 1 to 21. */
const IMPLEMENTATIONS: Implementation[] = [
  sysFork,
  sysExit,
  sysWait,
  sysPipe,
  sysRead,
  sysKill,
  sysExec,
  sysFstat,
  sysChdir,
  sysDup,
  sysGetpid,
  sysSbrk,
  sysSleep,
  sysUptime,
  sysOpen,
  sysWrite,
  sysMknod,
  sysUnlink,
  sysLink,
  sysMkdir,
  sysClose,
];

/** Returns a table of 256 entries with xv6's calls bound to `core`. */
export function buildSyscallTable(core: KernelCore): (SyscallEntry | undefined)[] {
  const table: (SyscallEntry | undefined)[] = new Array(256).fill(undefined);
  IMPLEMENTATIONS.forEach((implementation, index) => {
    const number = index + 1;
    table[number] = { name: SYSCALL_NAMES[number]!, handler: (call) => implementation(core, call) };
  });
  return table;
}
