/**
 * Reads the parts of an ELF32 i386 executable the bare harness needs: the entry point and the
 * PT_LOAD program headers.
 *
 * ELF header (little-endian)             Program header, e_phentsize bytes each
 *   0   e_ident: 7f 'E' 'L' 'F', class     0   p_type    (1 = PT_LOAD)
 *       1 (32-bit), data 1 (little end)    4   p_offset
 *   18  e_machine   uint16 (3 = i386)      8   p_vaddr
 *   24  e_entry     uint32                 16  p_filesz
 *   28  e_phoff     uint32                 20  p_memsz
 *   42  e_phentsize uint16                 24  p_flags
 *   44  e_phnum     uint16
 */

export interface LoadSegment {
  vaddr: number;
  offset: number;
  filesz: number;
  memsz: number;
}

export interface ElfImage {
  entry: number;
  segments: LoadSegment[];
}

const PT_LOAD = 1;
const EM_386 = 3;

/** Parses `bytes` as an ELF32 i386 executable; throws an Error naming the first invalid field. */
export function parseElf(bytes: Uint8Array): ElfImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 52 || view.getUint32(0, false) !== 0x7f454c46)
    throw new Error("parseElf: missing ELF magic");
  if (bytes[4] !== 1 || bytes[5] !== 1)
    throw new Error("parseElf: not a 32-bit little-endian ELF file");
  if (view.getUint16(18, true) !== EM_386) throw new Error("parseElf: e_machine is not i386 (3)");

  const entry = view.getUint32(24, true);
  const phoff = view.getUint32(28, true);
  const phentsize = view.getUint16(42, true);
  const phnum = view.getUint16(44, true);
  const segments: LoadSegment[] = [];
  for (let n = 0; n < phnum; n++) {
    const at = phoff + n * phentsize;
    if (at + 32 > bytes.length)
      throw new Error(`parseElf: program header ${n} lies past the end of the file`);
    if (view.getUint32(at, true) !== PT_LOAD) continue;
    const segment = {
      offset: view.getUint32(at + 4, true),
      vaddr: view.getUint32(at + 8, true),
      filesz: view.getUint32(at + 16, true),
      memsz: view.getUint32(at + 20, true),
    };
    if (segment.offset + segment.filesz > bytes.length || segment.filesz > segment.memsz) {
      throw new Error(`parseElf: PT_LOAD segment ${n} has invalid sizes`);
    }
    segments.push(segment);
  }
  return { entry, segments };
}
