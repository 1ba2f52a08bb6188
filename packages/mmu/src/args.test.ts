/**
 * Tests of argument errors at the public API: a wrong type is a TypeError, a number out of range
 * a RangeError, the message shows the value as received (never after `>>> 0`), and nothing is
 * changed: memory, cr3, the free count and the onWrite reports stay as they were.
 */
import { describe, expect, test } from "vitest";
import { firstChangedWord, thrownBy } from "../test/errors.ts";
import { FrameAllocator, Mmu, type MmuOptions, PGSIZE, PTE_U, PTE_W } from "./index.ts";

const MiB = 1024 * 1024;

/** Checks that `error` is exactly a `kind` with `message`. */
function expectError(error: unknown, kind: typeof TypeError, message: string): void {
  expect(error).toBeInstanceOf(kind);
  expect((error as Error).constructor).toBe(kind);
  expect((error as Error).message).toBe(message);
}

/** Creates a loaded two-page address space; `written` collects onWrite reports after the setup. */
function space() {
  const written: number[] = [];
  const mmu = new Mmu({ memorySize: 8 * MiB, onWrite: (page) => written.push(page) });
  const pgdir = mmu.setupKvm();
  mmu.allocUvm(pgdir, 0, 2 * PGSIZE);
  mmu.switchUvm(pgdir);
  written.length = 0;
  return { mmu, pgdir, written };
}

type Call = (mmu: Mmu, pgdir: number) => unknown;

/** Bad arguments as a JavaScript caller could pass them, bypassing the types. */
const bad = (value: unknown) => value as number;

// [call, error class, exact message]
const cases: [string, Call, typeof TypeError, string][] = [
  [
    "mapPages perm NaN",
    (mmu, pgdir) => mmu.mapPages(pgdir, 0x100000, PGSIZE, 0x10000, Number.NaN),
    RangeError,
    "mapPages: perm NaN is not an integer of entry flags (0 to 0xfff, no PTE_PS)",
  ],
  [
    "mapPages va 2 ** 40",
    (mmu, pgdir) => mmu.mapPages(pgdir, 2 ** 40, PGSIZE, 0x10000, PTE_W | PTE_U),
    RangeError,
    "mapPages: va 1099511627776 is not an integer in [0, 2147483648)",
  ],
  [
    "mapPages pa string",
    (mmu, pgdir) => mmu.mapPages(pgdir, 0x100000, PGSIZE, bad("65536"), PTE_W | PTE_U),
    TypeError,
    'mapPages: pa "65536" is not a page-aligned frame address with room for 4096 bytes in physical memory (8388608 bytes)',
  ],
  [
    "unmapPages free string",
    (mmu, pgdir) => mmu.unmapPages(pgdir, 0, PGSIZE, "yes" as unknown as boolean),
    TypeError,
    'unmapPages: free "yes" is not a boolean',
  ],
  [
    "unmapPages va NaN",
    (mmu, pgdir) => mmu.unmapPages(pgdir, Number.NaN, PGSIZE, true),
    RangeError,
    "unmapPages: va NaN is not an integer in [0, 2147483648)",
  ],
  [
    "loadUvm va NaN",
    (mmu, pgdir) => mmu.loadUvm(pgdir, Number.NaN, new Uint8Array(4)),
    RangeError,
    "loadUvm: va NaN is not a page-aligned integer address",
  ],
  [
    "loadUvm data array",
    (mmu, pgdir) => mmu.loadUvm(pgdir, 0, [1, 2, 3] as unknown as Uint8Array),
    TypeError,
    "loadUvm: data [object Array] is not a Uint8Array",
  ],
  [
    "readPage va 2 ** 40",
    (mmu, pgdir) => mmu.readPage(pgdir, 2 ** 40),
    RangeError,
    "readPage: va 1099511627776 is not a user address (below KERNBASE, 2147483648)",
  ],
  [
    "readAddressSpace len NaN",
    (mmu, pgdir) => mmu.readAddressSpace(pgdir, 0, Number.NaN),
    RangeError,
    "readAddressSpace: len NaN is not an integer in [0, 2147483648]",
  ],
  [
    "copyOut cpl string",
    (mmu, pgdir) => mmu.copyOut(pgdir, 0, new Uint8Array(4), "0" as unknown as 0),
    TypeError,
    'copyOut: cpl "0" is not 0 or 3',
  ],
  [
    "copyOut cpl bigint",
    (mmu, pgdir) => mmu.copyOut(pgdir, 0, new Uint8Array(4), 3n as unknown as 3),
    TypeError,
    "copyOut: cpl 3n (a bigint) is not 0 or 3",
  ],
  [
    "copyOut src array",
    (mmu, pgdir) => mmu.copyOut(pgdir, 0, [1, 2] as unknown as Uint8Array, 3),
    TypeError,
    "copyOut: src [object Array] is not a Uint8Array",
  ],
  [
    "copyOut va NaN",
    (mmu, pgdir) => mmu.copyOut(pgdir, Number.NaN, new Uint8Array(4), 3),
    RangeError,
    "copyOut: va NaN is not an integer address",
  ],
  [
    "copyIn dst array",
    (mmu, pgdir) => mmu.copyIn(pgdir, 0, [0, 0] as unknown as Uint8Array, 3),
    TypeError,
    "copyIn: dst [object Array] is not a Uint8Array",
  ],
  [
    "copyIn va string",
    (mmu, pgdir) => mmu.copyIn(pgdir, bad("0"), new Uint8Array(4), 3),
    TypeError,
    'copyIn: va "0" is not an integer address',
  ],
  [
    "copyIn cpl 7",
    (mmu, pgdir) => mmu.copyIn(pgdir, 0, new Uint8Array(4), 7 as 3),
    RangeError,
    "copyIn: cpl 7 is not 0 or 3",
  ],
  [
    "copyInStr max NaN",
    (mmu, pgdir) => mmu.copyInStr(pgdir, 0, Number.NaN, 3),
    RangeError,
    "copyInStr: max NaN is not a non-negative integer",
  ],
  [
    "copyInStr va 1.5",
    (mmu, pgdir) => mmu.copyInStr(pgdir, 1.5, 16, 3),
    RangeError,
    "copyInStr: va 1.5 is not an integer address",
  ],
  [
    "allocUvm newsz string",
    (mmu, pgdir) => mmu.allocUvm(pgdir, 0, bad("8192")),
    TypeError,
    'allocUvm: newsz "8192" is not a non-negative integer',
  ],
  [
    "deallocUvm newsz NaN",
    (mmu, pgdir) => mmu.deallocUvm(pgdir, 2 * PGSIZE, Number.NaN),
    RangeError,
    "deallocUvm: newsz NaN is not an integer in [0, 2147483648] (0 to KERNBASE)",
  ],
  [
    "copyUvm sz 2 ** 40",
    (mmu, pgdir) => mmu.copyUvm(pgdir, 2 ** 40),
    RangeError,
    "copyUvm: sz 1099511627776 is not an integer in [0, 2147483648] (0 to KERNBASE)",
  ],
  [
    "clearPteU va NaN",
    (mmu, pgdir) => mmu.clearPteU(pgdir, Number.NaN),
    RangeError,
    "clearPteU: va NaN is not an integer in [0, 2147483648)",
  ],
  [
    "uva2ka va NaN",
    (mmu, pgdir) => mmu.uva2ka(pgdir, Number.NaN),
    RangeError,
    "uva2ka: va NaN is not an integer address",
  ],
  [
    "dirtyPages sz string",
    (mmu, pgdir) => mmu.dirtyPages(pgdir, bad("4096")),
    TypeError,
    'dirtyPages: sz "4096" is not an integer in [0, 2147483648] (0 to KERNBASE)',
  ],
  [
    "clearDirty sz -1",
    (mmu, pgdir) => mmu.clearDirty(pgdir, -1),
    RangeError,
    "clearDirty: sz -1 is not an integer in [0, 2147483648] (0 to KERNBASE)",
  ],
  [
    "walkPgdir va NaN",
    (mmu, pgdir) => mmu.walkPgdir(pgdir, Number.NaN, false),
    RangeError,
    "walkPgdir: va NaN is not an integer in [0, 0xffffffff]",
  ],
  [
    "walkPgdir va 2 ** 40",
    (mmu, pgdir) => mmu.walkPgdir(pgdir, 2 ** 40, true),
    RangeError,
    "walkPgdir: va 1099511627776 is not an integer in [0, 0xffffffff]",
  ],
  [
    "walkPgdir va string",
    (mmu, pgdir) => mmu.walkPgdir(pgdir, bad("0"), true),
    TypeError,
    'walkPgdir: va "0" is not an integer in [0, 0xffffffff]',
  ],
  [
    "walkPgdir alloc string",
    (mmu, pgdir) => mmu.walkPgdir(pgdir, 0x400000, "yes" as unknown as boolean),
    TypeError,
    'walkPgdir: alloc "yes" is not a boolean',
  ],
  [
    "switchUvm pgdir + 0.5",
    (mmu, pgdir) => mmu.switchUvm(pgdir + 0.5),
    RangeError,
    "switchUvm: pgdir 49152.5 is not a page-aligned frame address in physical memory",
  ],
  [
    "freeVm pgdir string",
    (mmu) => mmu.freeVm(bad("49152")),
    TypeError,
    'freeVm: pgdir "49152" is not a page-aligned frame address in physical memory',
  ],
  [
    "checkRefCounts pgdirs 5",
    (mmu) => mmu.checkRefCounts(5 as unknown as number[]),
    TypeError,
    "checkRefCounts: pgdirs 5 is not iterable",
  ],
  [
    "kfree NaN",
    (mmu) => mmu.frames.kfree(Number.NaN),
    RangeError,
    "kfree: pa NaN is not a frame address (a multiple of 4096 below 8388608)",
  ],
  [
    "kfree -1",
    (mmu) => mmu.frames.kfree(-1),
    RangeError,
    "kfree: pa -1 is not a frame address (a multiple of 4096 below 8388608)",
  ],
  [
    "kfree past the end",
    (mmu) => mmu.frames.kfree(8 * MiB),
    RangeError,
    "kfree: pa 8388608 is not a frame address (a multiple of 4096 below 8388608)",
  ],
  [
    "incRef string",
    (mmu) => mmu.frames.incRef(bad("4096")),
    TypeError,
    'incRef: pa "4096" is not a frame address (a multiple of 4096 below 8388608)',
  ],
  [
    "refCount unaligned",
    (mmu) => mmu.frames.refCount(12),
    RangeError,
    "refCount: pa 12 is not a frame address (a multiple of 4096 below 8388608)",
  ],
];

describe("Mmu argument errors", () => {
  test.each(cases)("%s throws and changes nothing", (_name, call, kind, message) => {
    const { mmu, pgdir, written } = space();
    expect(pgdir).toBe(0xc000);
    const words = new Uint32Array(mmu.memory).slice();
    const freeCount = mmu.frames.freeCount;
    const cr3 = mmu.cr3;

    const error = thrownBy(() => call(mmu, pgdir));

    expectError(error, kind, message);
    expect(firstChangedWord(mmu, words)).toBe(-1);
    expect(mmu.frames.freeCount).toBe(freeCount);
    expect(mmu.cr3).toBe(cr3);
    expect(written).toEqual([]);
    expect(mmu.checkRefCounts([pgdir])).toEqual([]);
  });

  test("translate stays unchecked and reads NaN as address 0", () => {
    const { mmu } = space();

    expect(mmu.translate(Number.NaN, 0, 3)).toBe(mmu.translate(0, 0, 3));
  });
});

describe("constructor option errors", () => {
  const options: [string, unknown, typeof TypeError, string][] = [
    [
      "onWrite 5",
      { memorySize: 4 * MiB, onWrite: 5 },
      TypeError,
      "Mmu: onWrite 5 is not a function; expected (physicalPage) => void",
    ],
    [
      "debug string",
      { memorySize: 4 * MiB, debug: "yes" },
      TypeError,
      'Mmu: debug "yes" is not a boolean',
    ],
    ["options null", null, TypeError, "Mmu: options null is not an object"],
    [
      "memorySize string",
      { memorySize: "8388608" },
      TypeError,
      'Mmu: memorySize "8388608" is not a number of bytes',
    ],
    [
      "memorySize NaN",
      { memorySize: Number.NaN },
      RangeError,
      "Mmu: memorySize NaN is invalid; use a multiple of 4 MiB (4194304) up to 2113929216",
    ],
  ];

  test.each(options)("Mmu with %s throws", (_name, value, kind, message) => {
    expectError(
      thrownBy(() => new Mmu(value as MmuOptions)),
      kind,
      message,
    );
  });

  test("FrameAllocator with onWrite 5 throws a TypeError", () => {
    const make = () =>
      new FrameAllocator(new ArrayBuffer(16 * PGSIZE), { onWrite: bad(5) as never });

    expectError(
      thrownBy(make),
      TypeError,
      "FrameAllocator: onWrite 5 is not a function; expected (physicalPage) => void",
    );
  });

  test("FrameAllocator with a Uint8Array as memory throws a TypeError", () => {
    const make = () => new FrameAllocator(new Uint8Array(16 * PGSIZE) as unknown as ArrayBuffer);

    expectError(
      thrownBy(make),
      TypeError,
      "FrameAllocator: memory [object Uint8Array] is not an ArrayBuffer",
    );
  });
});
