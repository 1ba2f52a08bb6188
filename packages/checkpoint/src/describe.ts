/**
 * Summaries of images: a plain object (for the CLI and JSON output) and the text that system
 * call 24 returns to the userland `ckptinfo` program. A summary can be made of an image whose
 * checksums do not match, so that a damaged image can still be inspected, and it reports them.
 *
 * The text is printable ASCII, one fact per line. Bytes of names and paths outside 0x20 to 0x7e
 * are shown as \xNN.
 */
import { SYSCALL_NAMES } from "@xv6ts/kernel";
import { PTE_U } from "@xv6ts/mmu";
import type { CheckpointImage, ChecksumReport, DescriptorRecord, Registers } from "./format.js";

/** The names of the system calls xv6ts adds, by number. */
const EXTENSION_CALL_NAMES: Record<number, string> = {
  22: "checkpoint",
  23: "restart",
  24: "ckptinfo",
};

/** Everything a user may want to know about an image, as plain data. */
export interface ImageSummary {
  /** Format version, "major.minor". */
  format: string;
  checksums: ChecksumReport;
  name: string;
  pid: number;
  parentPid: number;
  /** Bytes of user memory. */
  sz: number;
  uptime: number;
  /** "running", "saved itself", or "blocked in <call>". */
  state: string;
  blockedSyscall: number;
  sleepTicksRemaining: number;
  registers: Registers;
  pages: { present: number; zero: number; guard: number; bytes: number };
  /** Every present page: address and permission bits. */
  memoryMap: { va: number; flags: number; zero: boolean }[];
  cwd: { inum: number; path: string };
  descriptors: DescriptorRecord[];
  /** Records of kinds this reader does not know, skipped. */
  skipped: { kind: number; length: number }[];
}

/** Returns the name of a system call for summaries ("sleep", or "call 99"). */
function callName(number: number): string {
  return SYSCALL_NAMES[number] ?? EXTENSION_CALL_NAMES[number] ?? `call ${number}`;
}

/** Makes the plain summary of a decoded image and the result of its checksum checks. */
export function describeImage(image: CheckpointImage, checksums: ChecksumReport): ImageSummary {
  const { process } = image;
  let state = "running";
  if (process.savedItself) state = "saved itself";
  else if (process.blockedSyscall !== 0) state = `blocked in ${callName(process.blockedSyscall)}`;

  const zero = image.pages.filter((page) => page.bytes === null).length;
  const guard = image.pages.filter((page) => (page.flags & PTE_U) === 0).length;
  return {
    format: `${image.version.major}.${image.version.minor}`,
    checksums,
    name: process.name,
    pid: process.pid,
    parentPid: process.parentPid,
    sz: process.sz,
    uptime: process.uptime,
    state,
    blockedSyscall: process.blockedSyscall,
    sleepTicksRemaining: process.sleepTicksRemaining,
    registers: { ...image.registers },
    pages: { present: image.pages.length, zero, guard, bytes: image.pages.length * 4096 },
    memoryMap: image.pages.map((page) => ({
      va: page.va,
      flags: page.flags,
      zero: page.bytes === null,
    })),
    cwd: { ...image.cwd },
    descriptors: image.descriptors.map((descriptor) => ({ ...descriptor })),
    skipped: image.skipped.map((record) => ({ ...record })),
  };
}

const hex = (value: number) => `0x${(value >>> 0).toString(16)}`;

/** Shows a latin1 string in printable ASCII, other bytes (and the backslash) as \xNN. */
export function printable(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out +=
      code >= 0x20 && code <= 0x7e && code !== 0x5c
        ? text[i]
        : `\\x${code.toString(16).padStart(2, "0")}`;
  }
  return out;
}

/** Formats a summary as the text `ckptinfo` prints, ending in a newline. */
export function formatSummary(summary: ImageSummary): string {
  const r = summary.registers;
  const lines = [
    `checkpoint image, format version ${summary.format}`,
    `checksums: ${summary.checksums.ok ? "ok" : `BAD, ${summary.checksums.problems[0]}`}`,
    `name: ${printable(summary.name)}`,
    `pid: ${summary.pid} (parent ${summary.parentPid})`,
    `size: ${summary.sz} bytes`,
    `pages: ${summary.pages.present} present, ${summary.pages.zero} of them zero, ${summary.pages.guard} without user access`,
    `state: ${summary.state}${summary.sleepTicksRemaining > 0 ? `, ${summary.sleepTicksRemaining} ticks left` : ""}`,
    `uptime: ${summary.uptime} ticks`,
    `registers: eip ${hex(r.eip)} esp ${hex(r.esp)} ebp ${hex(r.ebp)} eflags ${hex(r.eflags)}`,
    `           eax ${hex(r.eax)} ebx ${hex(r.ebx)} ecx ${hex(r.ecx)} edx ${hex(r.edx)} esi ${hex(r.esi)} edi ${hex(r.edi)}`,
    `cwd: ${printable(summary.cwd.path)} (inode ${summary.cwd.inum})`,
    `descriptors: ${summary.descriptors.length}`,
    ...summary.descriptors.map(formatDescriptor),
  ];
  if (summary.skipped.length > 0) {
    lines.push(
      `skipped records: ${summary.skipped.map((record) => `kind ${record.kind}`).join(", ")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function formatDescriptor(d: DescriptorRecord): string {
  let mode = d.readable ? "read" : "write";
  if (d.readable && d.writable) mode = "read/write";
  const start = `  fd ${d.fd}:`;
  if (d.kind === "pipe-read" || d.kind === "pipe-write") {
    return `${start} pipe ${d.kind === "pipe-read" ? "read" : "write"} end (closed on restart)`;
  }
  if (d.sharesWith !== null) return `${start} same open file as fd ${d.sharesWith}`;
  const path = printable(d.path ?? "");
  if (d.kind === "device") return `${start} device ${d.major}/${d.minor} ${path}, ${mode}`;
  return `${start} ${d.kind} ${path} (inode ${d.inum}), ${mode}, offset ${d.offset}`;
}
