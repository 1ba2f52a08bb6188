/**
 * A tiny i386 assembler for test programs: the few instructions a probe needs (push, mov, int
 * $64, jumps, compares), so that kernel tests can run exact system-call sequences and build
 * deliberately broken executables without a C compiler.
 *
 * Memory layout of a built program (one ELF file, two PT_LOAD segments):
 *
 *   0x0000  ELF header, program headers, then code (entry right after the headers)
 *   0x1000  data: strings and words placed with `data()`
 *   0x2000  results: 1024 zeroed words the program stores system-call results into
 *   0x3000  end of the image; exec adds a guard page and the stack page, so sz = 0x5000
 */

export const DATA_BASE = 0x1000;
export const RESULTS_BASE = 0x2000;
export const IMAGE_END = 0x3000;
/** sz of a probe after exec: image end, guard page, stack page. */
export const PROBE_SZ = IMAGE_END + 0x2000;
const HEADERS_SIZE = 52 + 2 * 32;

export class Assembler {
  private readonly code: number[] = [];
  private readonly dataBytes: number[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: { at: number; label: string }[] = [];
  private resultCount = 0;

  /** Address of the next code byte. */
  get here(): number {
    return HEADERS_SIZE + this.code.length;
  }

  private emit(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  private emit32(value: number): this {
    const v = value >>> 0;
    return this.emit(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  }

  /** Places bytes in the data segment and returns their address. */
  data(bytes: Uint8Array | number[] | string): number {
    const address = DATA_BASE + this.dataBytes.length;
    const content = typeof bytes === "string" ? Buffer.from(`${bytes}\0`, "latin1") : bytes;
    this.dataBytes.push(...content);
    while (this.dataBytes.length % 4 !== 0) this.dataBytes.push(0);
    return address;
  }

  /** Places an array of 32-bit words in the data segment and returns its address. */
  words(values: number[]): number {
    const bytes: number[] = [];
    for (const value of values) {
      const v = value >>> 0;
      bytes.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
    }
    return this.data(bytes);
  }

  label(name: string): this {
    this.labels.set(name, this.here);
    return this;
  }

  pushImm(value: number): this {
    return this.emit(0x68).emit32(value);
  }

  movEaxImm(value: number): this {
    return this.emit(0xb8).emit32(value);
  }

  /** mov [address], eax */
  storeEax(address: number): this {
    return this.emit(0xa3).emit32(address);
  }

  /** mov eax, [address] */
  loadEax(address: number): this {
    return this.emit(0xa1).emit32(address);
  }

  /** push dword [address] */
  pushMem(address: number): this {
    return this.emit(0xff, 0x35).emit32(address);
  }

  /** add eax, imm32 */
  addEaxImm(value: number): this {
    return this.emit(0x05).emit32(value);
  }

  /** add [address], eax */
  addMemEax(address: number): this {
    return this.emit(0x01, 0x05).emit32(address);
  }

  /** Pops `count` argument words and the return address pushed for a system call. */
  interrupt(number: number, argumentWords: number): this {
    this.movEaxImm(number).emit(0xcd, 0x40);
    return this.emit(0x83, 0xc4, 4 * (argumentWords + 1));
  }

  /** push eax */
  pushEax(): this {
    return this.emit(0x50);
  }

  /** Calls system call `number` with integer arguments, cdecl: result in eax. */
  syscall(number: number, ...args: number[]): this {
    for (let i = args.length - 1; i >= 0; i--) this.pushImm(args[i]!);
    this.pushImm(0); // the stub's return address, as a C caller leaves it
    this.movEaxImm(number);
    this.emit(0xcd, 0x40);
    return this.emit(0x83, 0xc4, 4 * (args.length + 1));
  }

  /** Stores eax as the next result word and returns its index. */
  record(): number {
    const index = this.resultCount++;
    this.storeEax(RESULTS_BASE + 4 * index);
    return index;
  }

  /** test eax, eax; jz label */
  jumpIfZero(label: string): this {
    this.emit(0x85, 0xc0, 0x0f, 0x84);
    this.fixups.push({ at: this.code.length, label });
    return this.emit32(0);
  }

  /** cmp eax, imm32; jl label (signed) */
  jumpIfLess(value: number, label: string): this {
    this.emit(0x3d).emit32(value).emit(0x0f, 0x8c);
    this.fixups.push({ at: this.code.length, label });
    return this.emit32(0);
  }

  jump(label: string): this {
    this.emit(0xe9);
    this.fixups.push({ at: this.code.length, label });
    return this.emit32(0);
  }

  /** Raw instruction bytes. */
  raw(...bytes: number[]): this {
    return this.emit(...bytes);
  }

  /** Builds the ELF file. */
  build(): Uint8Array {
    for (const { at, label } of this.fixups) {
      const target = this.labels.get(label);
      if (target === undefined) throw new Error(`undefined label ${label}`);
      const relative = (target - (HEADERS_SIZE + at + 4)) >>> 0;
      for (let i = 0; i < 4; i++) this.code[at + i] = (relative >>> (8 * i)) & 0xff;
    }
    if (HEADERS_SIZE + this.code.length > DATA_BASE) throw new Error("code is too large");
    if (this.dataBytes.length > RESULTS_BASE - DATA_BASE) throw new Error("data is too large");
    return buildElf(HEADERS_SIZE, this.code, this.dataBytes);
  }
}

/** Lays out the ELF header and the two program headers described in the file comment. */
function buildElf(entry: number, code: number[], data: number[]): Uint8Array {
  const codeEnd = HEADERS_SIZE + code.length;
  const file = new Uint8Array(codeEnd + data.length);
  const view = new DataView(file.buffer);
  file.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
  view.setUint16(16, 2, true);
  view.setUint16(18, 3, true);
  view.setUint32(20, 1, true);
  view.setUint32(24, entry, true);
  view.setUint32(28, 52, true);
  view.setUint16(40, 52, true);
  view.setUint16(42, 32, true);
  view.setUint16(44, 2, true);
  const segments = [
    { offset: 0, vaddr: 0, filesz: codeEnd, memsz: codeEnd },
    { offset: codeEnd, vaddr: DATA_BASE, filesz: data.length, memsz: IMAGE_END - DATA_BASE },
  ];
  segments.forEach((segment, i) => {
    const at = 52 + 32 * i;
    view.setUint32(at, 1, true);
    view.setUint32(at + 4, segment.offset, true);
    view.setUint32(at + 8, segment.vaddr, true);
    view.setUint32(at + 12, segment.vaddr, true);
    view.setUint32(at + 16, segment.filesz, true);
    view.setUint32(at + 20, segment.memsz, true);
    view.setUint32(at + 24, 7, true);
    view.setUint32(at + 28, 0x1000, true);
  });
  file.set(code, HEADERS_SIZE);
  file.set(data, codeEnd);
  return file;
}

/** Returns a copy of an ELF file with one program header field changed. */
export function patchProgramHeader(
  elf: Uint8Array,
  index: number,
  field: "offset" | "vaddr" | "filesz" | "memsz",
  value: number,
): Uint8Array {
  const copy = elf.slice();
  const at = 52 + 32 * index + { offset: 4, vaddr: 8, filesz: 16, memsz: 20 }[field];
  new DataView(copy.buffer).setUint32(at, value >>> 0, true);
  return copy;
}
