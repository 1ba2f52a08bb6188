import { describe, expect, test } from "vitest";
import {
  isPageAligned,
  KERNBASE,
  PGSIZE,
  pdx,
  pgAddr,
  pgRoundDown,
  pgRoundUp,
  pteAddr,
  pteFlags,
  ptx,
} from "./index.ts";

describe("linear address fields", () => {
  test("pdx and ptx take bits 31..22 and 21..12", () => {
    expect(pdx(0x80400000)).toBe(0x201);
    expect(ptx(0x80400000)).toBe(0);
    expect(pdx(0xfffff000)).toBe(0x3ff);
    expect(ptx(0xfffff000)).toBe(0x3ff);
    expect(pdx(0x003ff123)).toBe(0);
    expect(ptx(0x003ff123)).toBe(0x3ff);
    expect(pdx(KERNBASE - 1)).toBe(511);
  });

  test("pgAddr inverts pdx and ptx", () => {
    expect(pgAddr(0x201, 0)).toBe(0x80400000);
    expect(pgAddr(0x3ff, 0x3ff)).toBe(0xfffff000);
    expect(pgAddr(1, 2)).toBe(0x402000);
  });
});

describe("entry fields", () => {
  test("pteAddr and pteFlags split an entry", () => {
    expect(pteAddr(0xfffff067)).toBe(0xfffff000);
    expect(pteFlags(0xfffff067)).toBe(0x067);
    expect(pteAddr(0x00003007)).toBe(0x3000);
  });
});

describe("page rounding", () => {
  test("pgRoundUp rounds up to a page", () => {
    expect(pgRoundUp(0)).toBe(0);
    expect(pgRoundUp(1)).toBe(PGSIZE);
    expect(pgRoundUp(PGSIZE)).toBe(PGSIZE);
    expect(pgRoundUp(PGSIZE + 1)).toBe(2 * PGSIZE);
    expect(pgRoundUp(KERNBASE - 1)).toBe(KERNBASE);
  });

  test("pgRoundUp does not wrap at 4 GiB", () => {
    expect(pgRoundUp(0xfffff001)).toBe(2 ** 32);
  });

  test("pgRoundDown rounds down to a page", () => {
    expect(pgRoundDown(0)).toBe(0);
    expect(pgRoundDown(PGSIZE - 1)).toBe(0);
    expect(pgRoundDown(0xffffffff)).toBe(0xfffff000);
  });

  test("isPageAligned accepts only integer multiples", () => {
    expect(isPageAligned(0)).toBe(true);
    expect(isPageAligned(0x80000000)).toBe(true);
    expect(isPageAligned(0x1001)).toBe(false);
    expect(isPageAligned(4096.5)).toBe(false);
  });
});
