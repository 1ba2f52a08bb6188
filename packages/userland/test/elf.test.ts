import { describe, expect, it } from "vitest";
import { programBytes, programNames } from "../src/index";
import { ELF_HEADER_SIZE, PT_LOAD, readElf } from "./elf";

const PAGE_SIZE = 4096;
const KERNBASE = 0x8000_0000;
// The largest file of the xv6 disk geometry: 12 direct and 128 indirect 512-byte blocks.
const XV6_MAX_FILE = 140 * 512;

describe("built programs", () => {
  const names = programNames();

  it("include the system, tools, tests and demos", () => {
    for (const name of ["init", "sh", "ls", "usertests", "ckpttests", "counter", "true"]) {
      expect(names).toContain(name);
    }
  });

  it.each(names)("%s is an i386 ELF32 executable", (name) => {
    const elf = readElf(programBytes(name));

    expect(elf.elfClass).toBe(1);
    expect(elf.dataEncoding).toBe(1);
    expect(elf.type).toBe(2);
    expect(elf.machine).toBe(3);
    expect(elf.phentsize).toBe(32);
  });

  it.each(names)("%s has load segments that xv6 exec accepts", (name) => {
    const bytes = programBytes(name);
    const loads = readElf(bytes).programHeaders.filter((ph) => ph.type === PT_LOAD);

    expect(loads.length).toBeGreaterThan(0);
    for (const ph of loads) {
      expect(ph.vaddr % PAGE_SIZE).toBe(0);
      expect(ph.memsz).toBeGreaterThanOrEqual(ph.filesz);
      expect(ph.vaddr + ph.memsz).toBeLessThan(KERNBASE);
      expect(ph.offset + ph.filesz).toBeLessThanOrEqual(bytes.length);
    }
  });

  it.each(names)("%s has its text at 0 and its entry in loaded bytes", (name) => {
    const elf = readElf(programBytes(name));
    const loads = elf.programHeaders.filter((ph) => ph.type === PT_LOAD);
    const holder = loads.find((ph) => elf.entry >= ph.vaddr && elf.entry < ph.vaddr + ph.filesz);

    expect(Math.min(...loads.map((ph) => ph.vaddr))).toBe(0);
    expect(holder).toBeDefined();
  });

  it.each(names)("%s fits one file of the xv6 disk geometry", (name) => {
    expect(programBytes(name).length).toBeLessThanOrEqual(XV6_MAX_FILE);
  });
});

describe("readElf", () => {
  const good = programBytes("true");

  it("rejects input shorter than the header", () => {
    expect(() => readElf(good.slice(0, ELF_HEADER_SIZE - 1))).toThrow(/shorter than an ELF header/);
  });

  it("rejects input without the ELF magic", () => {
    const bad = good.slice();
    bad[1] = 0x58;
    expect(() => readElf(bad)).toThrow(/magic/);
  });

  it("rejects program headers past the end", () => {
    const bad = good.slice();
    new DataView(bad.buffer).setUint16(44, 1000, true);
    expect(() => readElf(bad)).toThrow(/run past the file's end/);
  });
});
