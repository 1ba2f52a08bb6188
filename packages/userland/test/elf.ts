/**
 * A reader for the parts of 32-bit ELF executables that xv6's exec uses, for the
 * tests that check the built programs. Little-endian only, as i386 is.
 *
 * ELF header (52 bytes):
 *
 *   0  e_ident   magic 7f 'E' 'L' 'F', [4] class (1 = 32-bit), [5] data (1 = little-endian)
 *  16  u16 e_type (2 = executable)      18  u16 e_machine (3 = i386)
 *  24  u32 e_entry                      28  u32 e_phoff
 *  42  u16 e_phentsize (32)             44  u16 e_phnum
 *
 * Program header (32 bytes each, at e_phoff):
 *
 *   0  u32 p_type (1 = PT_LOAD)   4  u32 p_offset   8  u32 p_vaddr
 *  16  u32 p_filesz              20  u32 p_memsz   24  u32 p_flags
 */

export const PT_LOAD = 1;
export const ELF_HEADER_SIZE = 52;
export const PROGRAM_HEADER_SIZE = 32;

export interface ProgramHeader {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  flags: number;
}

export interface ElfFile {
  elfClass: number;
  dataEncoding: number;
  type: number;
  machine: number;
  entry: number;
  phentsize: number;
  programHeaders: ProgramHeader[];
}

/** Decodes the ELF header and program headers; throws with the reason if they do not fit. */
export function readElf(bytes: Uint8Array): ElfFile {
  if (bytes.length < ELF_HEADER_SIZE) {
    throw new Error(`readElf: ${bytes.length} bytes is shorter than an ELF header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, false) !== 0x7f454c46) {
    throw new Error("readElf: the ELF magic 7f 45 4c 46 is missing");
  }

  const phoff = view.getUint32(28, true);
  const phentsize = view.getUint16(42, true);
  const phnum = view.getUint16(44, true);
  if (phoff + phnum * PROGRAM_HEADER_SIZE > bytes.length) {
    throw new Error(`readElf: ${phnum} program headers at ${phoff} run past the file's end`);
  }

  const programHeaders: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * PROGRAM_HEADER_SIZE;
    programHeaders.push({
      type: view.getUint32(at, true),
      offset: view.getUint32(at + 4, true),
      vaddr: view.getUint32(at + 8, true),
      filesz: view.getUint32(at + 16, true),
      memsz: view.getUint32(at + 20, true),
      flags: view.getUint32(at + 24, true),
    });
  }

  return {
    elfClass: bytes[4]!,
    dataEncoding: bytes[5]!,
    type: view.getUint16(16, true),
    machine: view.getUint16(18, true),
    entry: view.getUint32(24, true),
    phentsize,
    programHeaders,
  };
}
