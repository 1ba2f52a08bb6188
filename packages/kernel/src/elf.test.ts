import { describe, expect, it } from "vitest";
import { parseElf, type ReadAt } from "./elf.js";

/** Builds a minimal ELF file with the given PT_LOAD-like program headers. */
function buildElf(
  headers: { type?: number; offset: number; vaddr: number; filesz: number; memsz: number }[],
  extraBytes = 0,
): Uint8Array {
  const size = 52 + 32 * headers.length + extraBytes;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
  view.setUint16(16, 2, true);
  view.setUint16(18, 3, true);
  view.setUint32(24, 0x20, true);
  view.setUint32(28, 52, true);
  view.setUint16(42, 32, true);
  view.setUint16(44, headers.length, true);
  headers.forEach((h, i) => {
    const at = 52 + 32 * i;
    view.setUint32(at, h.type ?? 1, true);
    view.setUint32(at + 4, h.offset, true);
    view.setUint32(at + 8, h.vaddr, true);
    view.setUint32(at + 16, h.filesz, true);
    view.setUint32(at + 20, h.memsz, true);
  });
  return bytes;
}

function reader(bytes: Uint8Array): ReadAt {
  return (offset, length) =>
    offset + length <= bytes.length ? bytes.slice(offset, offset + length) : null;
}

function parse(bytes: Uint8Array) {
  return parseElf(reader(bytes), bytes.length);
}

describe("parseElf", () => {
  it("returns entry and load segments of a valid file", () => {
    const elf = buildElf(
      [
        { offset: 0, vaddr: 0, filesz: 100, memsz: 200 },
        { type: 4, offset: 0, vaddr: 3, filesz: 0, memsz: 0 },
        { offset: 10, vaddr: 0x1000, filesz: 20, memsz: 0x3000 },
      ],
      100,
    );
    expect(parse(elf)).toEqual({
      entry: 0x20,
      segments: [
        { offset: 0, vaddr: 0, filesz: 100, memsz: 200 },
        { offset: 10, vaddr: 0x1000, filesz: 20, memsz: 0x3000 },
      ],
    });
  });

  it("rejects a file shorter than the header", () => {
    expect(parse(new Uint8Array(20))).toBe("file shorter than an ELF header");
  });

  it("rejects wrong magic", () => {
    const elf = buildElf([]);
    elf[1] = 0x46;
    expect(parse(elf)).toBe("bad ELF magic");
  });

  it("rejects a 64-bit class", () => {
    const elf = buildElf([]);
    elf[4] = 2;
    expect(parse(elf)).toBe("not a 32-bit ELF file");
  });

  it("rejects big-endian data", () => {
    const elf = buildElf([]);
    elf[5] = 2;
    expect(parse(elf)).toBe("not a little-endian ELF file");
  });

  it("rejects a machine other than i386", () => {
    const elf = buildElf([]);
    elf[18] = 62;
    expect(parse(elf)).toBe("not an i386 executable");
  });

  it("rejects memsz smaller than filesz", () => {
    const elf = buildElf([{ offset: 0, vaddr: 0, filesz: 8, memsz: 4 }], 8);
    expect(parse(elf)).toBe("program header 0: memsz is smaller than filesz");
  });

  it("rejects vaddr + memsz that wraps", () => {
    const elf = buildElf([{ offset: 0, vaddr: 0xfffff000, filesz: 0, memsz: 0x2000 }]);
    expect(parse(elf)).toBe("program header 0: vaddr + memsz overflows");
  });

  it("rejects an unaligned vaddr", () => {
    const elf = buildElf([{ offset: 0, vaddr: 0x10, filesz: 0, memsz: 4 }]);
    expect(parse(elf)).toBe("program header 0: vaddr is not page-aligned");
  });

  it("rejects a segment reaching past KERNBASE", () => {
    const elf = buildElf([{ offset: 0, vaddr: 0x7ffff000, filesz: 0, memsz: 0x2000 }]);
    expect(parse(elf)).toBe("program header 0: segment reaches KERNBASE");
  });

  it("rejects segment data past the end of the file", () => {
    const elf = buildElf([{ offset: 0, vaddr: 0, filesz: 500, memsz: 500 }]);
    expect(parse(elf)).toBe("program header 0: segment data lies past the end of the file");
  });

  it("rejects program headers past the end of the file", () => {
    const elf = buildElf([{ offset: 0, vaddr: 0, filesz: 0, memsz: 0 }]);
    expect(parse(elf.subarray(0, 60))).toBe("program header 0 lies past the end of the file");
  });
});
