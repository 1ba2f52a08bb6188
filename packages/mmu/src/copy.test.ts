import { describe, expect, test } from "vitest";
import { KERNBASE, Mmu, PGSIZE, PTE_A, PTE_D, PTE_P, PTE_U, PTE_W, pdx } from "./index.ts";

const MiB = 1024 * 1024;
const WRITE = 2;

function wordAt(mmu: Mmu, pa: number): number {
  return new Uint32Array(mmu.memory)[pa >>> 2];
}

function pteAt(mmu: Mmu, pgdir: number, va: number): number {
  return wordAt(mmu, mmu.walkPgdir(pgdir, va, false));
}

function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) {
    bytes[index] = (index * 13 + seed) & 0xff;
  }
  return bytes;
}

/** Returns the bytes at user address `va` read straight from the frames, not through copyIn. */
function physicalBytes(mmu: Mmu, pgdir: number, va: number, length: number): number[] {
  const memory = new Uint8Array(mmu.memory);
  const bytes: number[] = [];
  for (let address = va; address < va + length; address++) {
    const pa = (pteAt(mmu, pgdir, address) & ~0xfff) + (address % PGSIZE);
    bytes.push(memory[pa]);
  }
  return bytes;
}

/** Returns a fresh 4 MiB Mmu with two user pages at 0 and page 2 absent. */
function twoPages(options: { onWrite?: (page: number) => void } = {}): { mmu: Mmu; pgdir: number } {
  const mmu = new Mmu({ memorySize: 4 * MiB, ...options });
  const pgdir = mmu.setupKvm();
  mmu.allocUvm(pgdir, 0, 2 * PGSIZE);
  return { mmu, pgdir };
}

/** Returns an Mmu with one user page at the top of user space, KERNBASE - PGSIZE. */
function topPage(): { mmu: Mmu; pgdir: number } {
  const mmu = new Mmu({ memorySize: 4 * MiB });
  const pgdir = mmu.setupKvm();
  mmu.mapPages(pgdir, KERNBASE - PGSIZE, PGSIZE, mmu.frames.kalloc(), PTE_W | PTE_U);
  return { mmu, pgdir };
}

describe("Mmu.copyOut", () => {
  test("writes across a page boundary", () => {
    const { mmu, pgdir } = twoPages();
    const data = pattern(8, 1);

    expect(mmu.copyOut(pgdir, PGSIZE - 4, data)).toBe(true);

    expect(physicalBytes(mmu, pgdir, PGSIZE - 4, 8)).toEqual([...data]);
    expect(mmu.uva2ka(pgdir, 0)).not.toBe(mmu.uva2ka(pgdir, PGSIZE) - PGSIZE);
  });

  test("marks written pages accessed and dirty", () => {
    const { mmu, pgdir } = twoPages();

    mmu.copyOut(pgdir, PGSIZE - 1, new Uint8Array(2));

    expect(pteAt(mmu, pgdir, 0) & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
    expect(pteAt(mmu, pgdir, PGSIZE) & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
    expect(wordAt(mmu, pgdir + pdx(0) * 4) & PTE_A).toBe(PTE_A);
  });

  test("reports each written frame through onWrite", () => {
    const written: number[] = [];
    const { mmu, pgdir } = twoPages({ onWrite: (page) => written.push(page) });
    written.length = 0;

    mmu.copyOut(pgdir, PGSIZE - 1, new Uint8Array(2));

    expect(written).toEqual([mmu.uva2ka(pgdir, 0) >>> 12, mmu.uva2ka(pgdir, PGSIZE) >>> 12]);
  });

  test("fails whole when the range reaches an absent page", () => {
    const { mmu, pgdir } = twoPages();

    expect(mmu.copyOut(pgdir, 2 * PGSIZE - 2, new Uint8Array([9, 9, 9]))).toBe(false);

    expect(physicalBytes(mmu, pgdir, 2 * PGSIZE - 2, 2)).toEqual([0, 0]);
    expect(pteAt(mmu, pgdir, PGSIZE) & (PTE_A | PTE_D)).toBe(0);
  });

  test("writes the last bytes below KERNBASE", () => {
    const { mmu, pgdir } = topPage();

    expect(mmu.copyOut(pgdir, KERNBASE - 4, new Uint8Array([1, 2, 3, 4]))).toBe(true);

    expect(physicalBytes(mmu, pgdir, KERNBASE - 4, 4)).toEqual([1, 2, 3, 4]);
  });

  // [case, va, length]
  const outside: [string, number, number][] = [
    ["one byte past KERNBASE", KERNBASE - 4, 5],
    ["at KERNBASE", KERNBASE, 1],
    ["wrapping past 4 GiB", 0xfffffffe, 4],
    ["a negative address", -1, 1],
  ];

  test.each(outside)("rejects %s", (_name, va, length) => {
    const { mmu, pgdir } = topPage();

    expect(mmu.copyOut(pgdir, va, new Uint8Array(length).fill(7))).toBe(false);
    expect(mmu.copyOut(pgdir, va, new Uint8Array(length).fill(7), 0)).toBe(false);
    expect(physicalBytes(mmu, pgdir, KERNBASE - 4, 4)).toEqual([0, 0, 0, 0]);
  });

  test("accepts an empty copy at KERNBASE", () => {
    const { mmu, pgdir } = topPage();

    expect(mmu.copyOut(pgdir, KERNBASE, new Uint8Array(0))).toBe(true);
  });

  test("needs the user bit only at cpl 3", () => {
    const { mmu, pgdir } = twoPages();
    mmu.clearPteU(pgdir, PGSIZE);

    expect(mmu.copyOut(pgdir, PGSIZE, new Uint8Array([5]), 3)).toBe(false);
    expect(mmu.copyOut(pgdir, PGSIZE, new Uint8Array([5]))).toBe(false);
    expect(physicalBytes(mmu, pgdir, PGSIZE, 1)).toEqual([0]);
    expect(mmu.copyOut(pgdir, PGSIZE, new Uint8Array([5]), 0)).toBe(true);
    expect(physicalBytes(mmu, pgdir, PGSIZE, 1)).toEqual([5]);
  });

  test("needs the write bit at any cpl", () => {
    const mmu = new Mmu({ memorySize: 4 * MiB });
    const pgdir = mmu.setupKvm();
    mmu.mapPages(pgdir, 0, PGSIZE, mmu.frames.kalloc(), PTE_U);

    expect(mmu.copyOut(pgdir, 0, new Uint8Array([5]), 3)).toBe(false);
    expect(mmu.copyOut(pgdir, 0, new Uint8Array([5]), 0)).toBe(false);
    expect(mmu.copyIn(pgdir, 0, new Uint8Array(1), 3)).toBe(true);
  });

  test("throws a RangeError on an invalid cpl", () => {
    const { mmu, pgdir } = twoPages();

    expect(() => mmu.copyOut(pgdir, 0, new Uint8Array(1), 1 as 0)).toThrow(
      new RangeError("copyOut: cpl 1 is not 0 or 3"),
    );
  });
});

describe("Mmu.copyIn", () => {
  test("reads across a page boundary", () => {
    const { mmu, pgdir } = twoPages();
    mmu.copyOut(pgdir, 0, pattern(2 * PGSIZE, 7));
    const dst = new Uint8Array(10);

    expect(mmu.copyIn(pgdir, PGSIZE - 5, dst)).toBe(true);

    expect(dst).toEqual(pattern(2 * PGSIZE, 7).subarray(PGSIZE - 5, PGSIZE + 5));
  });

  test("marks pages accessed but not dirty", () => {
    const { mmu, pgdir } = twoPages();

    mmu.copyIn(pgdir, 0, new Uint8Array(4));

    expect(pteAt(mmu, pgdir, 0) & (PTE_A | PTE_D)).toBe(PTE_A);
  });

  test("leaves dst unchanged on failure", () => {
    const { mmu, pgdir } = twoPages();
    const dst = new Uint8Array(8).fill(0x55);

    expect(mmu.copyIn(pgdir, 2 * PGSIZE - 4, dst)).toBe(false);
    expect(mmu.copyIn(pgdir, KERNBASE - 4, dst, 0)).toBe(false);
    expect(mmu.copyIn(pgdir, 0xfffffffc, dst, 0)).toBe(false);

    expect(dst).toEqual(new Uint8Array(8).fill(0x55));
  });

  test("reads the guard page only at cpl 0", () => {
    const { mmu, pgdir } = twoPages();
    mmu.clearPteU(pgdir, 0);

    expect(mmu.copyIn(pgdir, 0, new Uint8Array(1))).toBe(false);
    expect(mmu.copyIn(pgdir, 0, new Uint8Array(1), 0)).toBe(true);
  });

  test("reads the last bytes below KERNBASE", () => {
    const { mmu, pgdir } = topPage();
    mmu.copyOut(pgdir, KERNBASE - 2, new Uint8Array([0xaa, 0xbb]));
    const dst = new Uint8Array(2);

    expect(mmu.copyIn(pgdir, KERNBASE - 2, dst)).toBe(true);
    expect([...dst]).toEqual([0xaa, 0xbb]);
  });
});

function encodeLatin1(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

describe("Mmu.copyInStr", () => {
  test("reads a string across a page boundary", () => {
    const { mmu, pgdir } = twoPages();
    mmu.copyOut(pgdir, PGSIZE - 3, encodeLatin1("echo\0"));

    expect(mmu.copyInStr(pgdir, PGSIZE - 3, 100)).toBe("echo");
  });

  test("counts the NUL within max", () => {
    const { mmu, pgdir } = twoPages();
    mmu.copyOut(pgdir, 0x10, encodeLatin1("abc\0"));

    expect(mmu.copyInStr(pgdir, 0x10, 4)).toBe("abc");
    expect(mmu.copyInStr(pgdir, 0x10, 3)).toBe(null);
    expect(mmu.copyInStr(pgdir, 0x13, 1)).toBe("");
    expect(mmu.copyInStr(pgdir, 0x10, 0)).toBe(null);
  });

  test("keeps bytes above 0x7f as latin1", () => {
    const { mmu, pgdir } = twoPages();
    mmu.copyOut(pgdir, 0, new Uint8Array([0x63, 0xe9, 0x80, 0xff, 0]));

    expect(mmu.copyInStr(pgdir, 0, 10)).toBe("c\u00e9\u0080\u00ff");
  });

  test("returns null when the string runs into an absent page", () => {
    const { mmu, pgdir } = twoPages();
    mmu.copyOut(pgdir, 2 * PGSIZE - 2, encodeLatin1("ab"));

    expect(mmu.copyInStr(pgdir, 2 * PGSIZE - 2, 100)).toBe(null);
  });

  test("returns null at KERNBASE without a NUL", () => {
    const { mmu, pgdir } = topPage();
    mmu.copyOut(pgdir, KERNBASE - 2, encodeLatin1("ab"));

    expect(mmu.copyInStr(pgdir, KERNBASE - 2, 100)).toBe(null);
    expect(mmu.copyInStr(pgdir, KERNBASE, 100)).toBe(null);
    expect(mmu.copyInStr(pgdir, -1, 100)).toBe(null);
  });

  test("needs the user bit only at cpl 3", () => {
    const { mmu, pgdir } = twoPages();
    mmu.copyOut(pgdir, 0, encodeLatin1("sh\0"));
    mmu.clearPteU(pgdir, 0);

    expect(mmu.copyInStr(pgdir, 0, 10)).toBe(null);
    expect(mmu.copyInStr(pgdir, 0, 10, 0)).toBe("sh");
  });
});

describe("Mmu.readAddressSpace", () => {
  /** Pages 0, 1 present (1 the guard), 2 absent, 3 present, table 1 absent. */
  function mixedSpace(): { mmu: Mmu; pgdir: number } {
    const { mmu, pgdir } = twoPages();
    mmu.allocUvm(pgdir, 2 * PGSIZE, 4 * PGSIZE);
    mmu.unmapPages(pgdir, 2 * PGSIZE, PGSIZE, true);
    mmu.clearPteU(pgdir, PGSIZE);
    mmu.copyOut(pgdir, 0, pattern(PGSIZE, 2));
    mmu.copyOut(pgdir, 3 * PGSIZE, pattern(PGSIZE, 4));
    return { mmu, pgdir };
  }

  test("reports present pages with flags and bytes, and absent ones", () => {
    const { mmu, pgdir } = mixedSpace();
    const other = mmu.setupKvm();
    mmu.switchUvm(other);

    const pages = mmu.readAddressSpace(pgdir, 0, 4 * PGSIZE + 1);

    expect(pages.map((page) => page.type)).toEqual([
      "present",
      "present",
      "absent",
      "present",
      "absent",
    ]);
    expect(pages.map((page) => page.va)).toEqual([0, 1, 2, 3, 4].map((n) => n * PGSIZE));
    const [first, guard, , fourth] = pages;
    if (first.type !== "present" || guard.type !== "present" || fourth.type !== "present") {
      throw new Error("readAddressSpace returned absent pages where pages are mapped");
    }
    expect(first.flags).toBe(PTE_P | PTE_W | PTE_U | PTE_A | PTE_D);
    expect(guard.flags).toBe(PTE_P | PTE_W);
    expect(first.bytes).toEqual(pattern(PGSIZE, 2));
    expect(fourth.bytes).toEqual(pattern(PGSIZE, 4));
    expect(first.pa).toBe(mmu.uva2ka(pgdir, 0));
  });

  test("reports every page of an absent table", () => {
    const { mmu, pgdir } = mixedSpace();

    const pages = mmu.readAddressSpace(pgdir, 0x400000, 3 * PGSIZE);

    expect(pages).toEqual([
      { type: "absent", va: 0x400000 },
      { type: "absent", va: 0x401000 },
      { type: "absent", va: 0x402000 },
    ]);
  });

  test("changes no bit and returns copies", () => {
    const { mmu, pgdir } = mixedSpace();
    mmu.clearDirty(pgdir, 4 * PGSIZE);
    const entries = [0, 1, 3].map((n) => pteAt(mmu, pgdir, n * PGSIZE));

    const pages = mmu.readAddressSpace(pgdir, 0, 4 * PGSIZE);
    const first = pages[0];
    if (first.type === "present") first.bytes.fill(0);

    expect([0, 1, 3].map((n) => pteAt(mmu, pgdir, n * PGSIZE))).toEqual(entries);
    expect(physicalBytes(mmu, pgdir, 0, 4)).toEqual([...pattern(4, 2)]);
  });

  test("returns effective flags when the pde lacks rights", () => {
    const { mmu, pgdir } = mixedSpace();
    new Uint32Array(mmu.memory)[pgdir >>> 2] &= ~(PTE_U | PTE_W);

    const page = mmu.readPage(pgdir, 0);

    expect(page.type).toBe("present");
    expect(page.type === "present" && page.flags).toBe(PTE_P | PTE_A | PTE_D);
  });

  test.each([
    [0x10, PGSIZE],
    [KERNBASE - PGSIZE, PGSIZE + 1],
    [0, -1],
  ])("throws a RangeError on va %i length %i", (va, length) => {
    const { mmu, pgdir } = mixedSpace();

    expect(() => mmu.readAddressSpace(pgdir, va, length)).toThrow(RangeError);
  });
});

describe("Mmu dirty tracking", () => {
  test("lists pages the CPU or kernel wrote", () => {
    const mmu = new Mmu({ memorySize: 8 * MiB });
    const pgdir = mmu.setupKvm();
    expect(mmu.allocUvm(pgdir, 0, 0x401000)).toBe(0x401000);
    mmu.switchUvm(pgdir);

    mmu.translate(PGSIZE + 8, WRITE, 3);
    mmu.translate(0x400000, 0, 3);
    mmu.copyOut(pgdir, 0x3ff000, new Uint8Array(1), 0);

    expect(mmu.dirtyPages(pgdir, 0x401000)).toEqual([PGSIZE, 0x3ff000]);
    expect(mmu.dirtyPages(pgdir, 0x3ff000)).toEqual([PGSIZE]);
  });

  test("clearDirty clears D and keeps A", () => {
    const { mmu, pgdir } = twoPages();
    mmu.switchUvm(pgdir);
    mmu.translate(0, WRITE, 3);
    mmu.translate(PGSIZE, WRITE, 3);

    mmu.clearDirty(pgdir, 2 * PGSIZE);

    expect(mmu.dirtyPages(pgdir, 2 * PGSIZE)).toEqual([]);
    expect(pteAt(mmu, pgdir, 0) & (PTE_A | PTE_D)).toBe(PTE_A);
    mmu.translate(PGSIZE, WRITE, 3);
    expect(mmu.dirtyPages(pgdir, 2 * PGSIZE)).toEqual([PGSIZE]);
  });

  test("clearDirty leaves pages above sz", () => {
    const { mmu, pgdir } = twoPages();
    mmu.copyOut(pgdir, 0, new Uint8Array(2 * PGSIZE));

    mmu.clearDirty(pgdir, PGSIZE);

    expect(mmu.dirtyPages(pgdir, 2 * PGSIZE)).toEqual([PGSIZE]);
  });
});
