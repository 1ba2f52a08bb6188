/**
 * The ELF32 format as exec reads it, and the checks exec applies before it loads anything.
 *
 * ELF header (52 bytes, little-endian):
 *
 *   0  magic 7f 'E' 'L' 'F'    16 type u16        28 phoff u32     42 phentsize u16
 *   4  class (1 = 32-bit)      18 machine u16     32 shoff u32     44 phnum u16
 *   5  data (1 = little)          (3 = i386)      36 flags u32     46 shentsize u16
 *   6  version                 20 version u32     40 ehsize u16    48 shnum u16
 *                              24 entry u32                        50 shstrndx u16
 *
 * Program header (32 bytes each, `phnum` of them at `phoff`):
 *
 *   0 type u32 (1 = PT_LOAD)   8 vaddr u32       16 filesz u32    24 flags u32
 *   4 offset u32              12 paddr u32       20 memsz u32     28 align u32
 *
 * Only PT_LOAD headers are loaded. Each needs memsz >= filesz, a vaddr + memsz that neither wraps
 * nor reaches KERNBASE, a page-aligned vaddr, and file bytes [offset, offset + filesz) inside the
 * file. A failed check is a reason string, never an exception.
 */

export const ELF_HEADER_SIZE = 52;
export const PROGRAM_HEADER_SIZE = 32;
export const PT_LOAD = 1;
const EM_386 = 3;
const PAGE_SIZE = 4096;
const KERNBASE = 0x80000000;
/** Program headers exec accepts; a file claiming more is rejected before anything is read. */
const MAX_PROGRAM_HEADERS = 64;

/** One PT_LOAD segment that passed the checks. */
export interface LoadSegment {
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
}

/** The parts of an executable exec needs. */
export interface ElfImage {
  entry: number;
  segments: LoadSegment[];
}

/** Reads `length` bytes at `offset` of the file, or returns null when they are not all there. */
export type ReadAt = (offset: number, length: number) => Uint8Array | null;

/** Parses and checks an executable of `fileSize` bytes; returns the image or a reason. */
export function parseElf(readAt: ReadAt, fileSize: number): ElfImage | string {
  const header = readAt(0, ELF_HEADER_SIZE);
  if (header === null) return "file shorter than an ELF header";
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const headerProblem = checkHeader(view);
  if (headerProblem !== null) return headerProblem;

  const phoff = view.getUint32(28, true);
  const phnum = view.getUint16(44, true);
  if (phnum > MAX_PROGRAM_HEADERS) return `too many program headers (${phnum})`;
  const segments: LoadSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const bytes = readAt(phoff + i * PROGRAM_HEADER_SIZE, PROGRAM_HEADER_SIZE);
    if (bytes === null) return `program header ${i} lies past the end of the file`;
    const segment = parseProgramHeader(bytes, fileSize);
    if (typeof segment === "string") return `program header ${i}: ${segment}`;
    if (segment !== null) segments.push(segment);
  }
  return { entry: view.getUint32(24, true), segments };
}

function checkHeader(view: DataView): string | null {
  if (view.getUint32(0, false) !== 0x7f454c46) return "bad ELF magic";
  if (view.getUint8(4) !== 1) return "not a 32-bit ELF file";
  if (view.getUint8(5) !== 1) return "not a little-endian ELF file";
  if (view.getUint16(18, true) !== EM_386) return "not an i386 executable";
  const phentsize = view.getUint16(42, true);
  if (view.getUint16(44, true) > 0 && phentsize !== PROGRAM_HEADER_SIZE) {
    return `unexpected program header size ${phentsize}`;
  }
  return null;
}

/** Checks one program header; returns its segment, null for a type exec skips, or a reason. */
function parseProgramHeader(bytes: Uint8Array, fileSize: number): LoadSegment | null | string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== PT_LOAD) return null;
  const offset = view.getUint32(4, true);
  const vaddr = view.getUint32(8, true);
  const filesz = view.getUint32(16, true);
  const memsz = view.getUint32(20, true);

  if (memsz < filesz) return "memsz is smaller than filesz";
  if (vaddr + memsz > 0xffffffff) return "vaddr + memsz overflows";
  if (vaddr % PAGE_SIZE !== 0) return "vaddr is not page-aligned";
  if (vaddr + memsz > KERNBASE) return "segment reaches KERNBASE";
  if (offset + filesz > fileSize) return "segment data lies past the end of the file";
  return { offset, vaddr, filesz, memsz };
}
