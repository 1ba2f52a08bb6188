/**
 * Argument checks of the public API: every bad value a JavaScript caller can pass to a setter,
 * `setContext`, the constructor or `FlatTranslator` throws a TypeError or RangeError with a message
 * naming the value as received, and changes nothing.
 */
import { describe, expect, test } from "vitest";
import {
  Cpu,
  type CpuContext,
  type CpuOptions,
  EAX,
  EDX,
  ESP,
  FlatTranslator,
} from "../src/index.ts";
import { CODE, hex, makeMachine } from "./machine.ts";

const REGISTER_RANGE = "a 32-bit integer (-2147483648 to 4294967295)";

/** Calls `action` and returns what it threw (fails the test when nothing is thrown). */
function thrown(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an exception, but nothing was thrown");
}

/** Expects `action` to throw an error of class `kind` with exactly `message`. */
function expectError(action: () => unknown, kind: typeof TypeError, message: string): void {
  const error = thrown(action);
  expect(error.message).toBe(message);
  expect(error).toBeInstanceOf(kind);
}

describe("Cpu setters", () => {
  test("eip setter rejects non-32-bit values", () => {
    const { cpu } = makeMachine(hex("90"));
    const cases: [unknown, typeof TypeError, string][] = [
      [Number.NaN, RangeError, "NaN"],
      [1.5, RangeError, "1.5"],
      [2 ** 32 + 0x1000, RangeError, "4294971392"],
      [-(2 ** 31) - 1, RangeError, "-2147483649"],
      ["4096", TypeError, '"4096"'],
      [undefined, TypeError, "undefined"],
    ];
    for (const [value, kind, shown] of cases) {
      expectError(
        () => {
          cpu.eip = value as number;
        },
        kind,
        `Cpu.eip: eip must be ${REGISTER_RANGE}, got ${shown}`,
      );
    }
    expect(cpu.eip).toBe(CODE);
  });

  test("setters reject a BigInt, a Symbol and an object", () => {
    const { cpu } = makeMachine(hex("90"));
    const before = cpu.eip;
    const cases: [unknown, string][] = [
      [5n, "5n (a bigint)"],
      [Symbol("s"), "Symbol(s)"],
      [{ valueOf: () => 3 }, "an object"],
    ];
    for (const [value, shown] of cases) {
      for (const name of ["eip", "eflags", "cr2"] as const) {
        expectError(
          () => {
            (cpu as unknown as Record<string, unknown>)[name] = value;
          },
          TypeError,
          `Cpu.${name}: ${name} must be ${REGISTER_RANGE}, got ${shown}`,
        );
      }
    }
    expectError(
      () => cpu.setContext({ ...cpu.getContext(), eax: 5n as unknown as number }),
      TypeError,
      `Cpu.setContext: eax must be ${REGISTER_RANGE}, got 5n (a bigint)`,
    );
    expect(cpu.eip).toBe(before);
  });

  test("eip setter stores signed values unsigned", () => {
    const { cpu } = makeMachine(hex("90"));
    cpu.eip = -1;
    expect(cpu.eip).toBe(0xffffffff);
    cpu.eip = 0xffffffff;
    expect(cpu.eip).toBe(0xffffffff);
  });

  test("eflags and cr2 setters reject invalid values", () => {
    const { cpu } = makeMachine(hex("90"));
    expectError(
      () => {
        cpu.eflags = Number.NaN;
      },
      RangeError,
      `Cpu.eflags: eflags must be ${REGISTER_RANGE}, got NaN`,
    );
    expectError(
      () => {
        cpu.eflags = "0x202" as unknown as number;
      },
      TypeError,
      `Cpu.eflags: eflags must be ${REGISTER_RANGE}, got "0x202"`,
    );
    expectError(
      () => {
        cpu.cr2 = 0.5;
      },
      RangeError,
      `Cpu.cr2: cr2 must be ${REGISTER_RANGE}, got 0.5`,
    );
    expect(cpu.eflags).toBe(0x202);
    expect(cpu.cr2).toBe(0);
    cpu.eflags = -1; // every bit: the setter's rule keeps IOPL and VM 0 and clears the undefined bits
    expect(cpu.eflags).toBe(0x3d4fd7);
  });

  test("instructionCount setter rejects invalid values", () => {
    const { cpu } = makeMachine(hex("0f 31 cd 40"), { userVectors: [64] });
    const expected = "an integer from 0 to 9007199254740991";
    const cases: [unknown, typeof TypeError, string][] = [
      ["100", TypeError, '"100"'],
      [Number.NaN, RangeError, "NaN"],
      [-5, RangeError, "-5"],
      [2.5, RangeError, "2.5"],
      [2 ** 53, RangeError, "9007199254740992"],
    ];
    for (const [value, kind, shown] of cases) {
      expectError(
        () => {
          cpu.instructionCount = value as number;
        },
        kind,
        `Cpu.instructionCount: instructionCount must be ${expected}, got ${shown}`,
      );
    }
    expect(cpu.instructionCount).toBe(0);
  });

  test("rdtsc reads a 64-bit instructionCount", () => {
    const { cpu } = makeMachine(hex("0f 31 cd 40"), { userVectors: [64] });
    cpu.instructionCount = 2 ** 40 + 100;
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 64 });
    expect(cpu.regs[EDX]).toBe(0x100);
    expect(cpu.regs[EAX]).toBe(100);
    expect(cpu.instructionCount).toBe(2 ** 40 + 102);
  });

  test("run quotes a string budget", () => {
    const { cpu } = makeMachine(hex("90"));
    expectError(
      () => cpu.run("10" as unknown as number),
      TypeError,
      'Cpu.run: budget must be an integer from 0 to 9007199254740991, got "10"',
    );
    expect(cpu.eip).toBe(CODE);
  });

  test("invalidateCode quotes a string page", () => {
    const { cpu } = makeMachine(hex("90"));
    expectError(
      () => cpu.invalidateCode("1" as unknown as number),
      TypeError,
      'Cpu.invalidateCode: physicalPage must be a physical page number, got "1"',
    );
    expectError(
      () => cpu.invalidateCode(16),
      RangeError,
      "Cpu.invalidateCode: physical page 16 is outside memory (pages 0 to 15)",
    );
  });
});

describe("Cpu.setContext", () => {
  /** Returns a CPU with every register set to a distinct value, and that context. */
  function loaded(): { cpu: Cpu; context: CpuContext } {
    const { cpu } = makeMachine(hex("90"));
    const context: CpuContext = {
      eax: 1,
      ecx: 2,
      edx: 3,
      ebx: 4,
      esp: 0x3ff0,
      ebp: 6,
      esi: 7,
      edi: 8,
      eip: CODE,
      eflags: 0x283,
      cs: 0x1b,
      ss: 0x23,
      ds: 0x23,
      es: 0x23,
      fs: 0,
      gs: 0,
    };
    cpu.setContext(context);
    return { cpu, context };
  }

  const badSelectors: [keyof CpuContext, number, string][] = [
    ["cs", 0, "0x1b (the user code selector), got 0 (0x0)"],
    ["cs", 0x23, "0x1b (the user code selector), got 35 (0x23)"],
    ["ss", 0x10, "0x23 (the user data selector), got 16 (0x10)"],
    ["ss", 0x20, "0x23 (the user data selector), got 32 (0x20)"],
    ["ds", 0x2b, "a selector CPL 3 may hold (0 to 3, 0x18 to 0x1b or 0x20 to 0x23), got 43 (0x2b)"],
    ["gs", 0x10, "a selector CPL 3 may hold (0 to 3, 0x18 to 0x1b or 0x20 to 0x23), got 16 (0x10)"],
    ["es", 0x1c, "a selector CPL 3 may hold (0 to 3, 0x18 to 0x1b or 0x20 to 0x23), got 28 (0x1c)"],
    ["fs", -1, "a selector CPL 3 may hold (0 to 3, 0x18 to 0x1b or 0x20 to 0x23), got -1"],
    ["ds", 35.5, "a selector CPL 3 may hold (0 to 3, 0x18 to 0x1b or 0x20 to 0x23), got 35.5"],
  ];

  for (const [name, value, expected] of badSelectors) {
    test(`setContext rejects ${name} ${value}`, () => {
      const { cpu, context } = loaded();
      const before = cpu.getContext();
      expectError(
        () => cpu.setContext({ ...context, eax: 99, eip: 0x2000, [name]: value }),
        RangeError,
        `Cpu.setContext: ${name} must be ${expected}`,
      );
      expect(cpu.getContext()).toEqual(before);
    });
  }

  test("setContext rejects invalid register values", () => {
    const { cpu, context } = loaded();
    const before = cpu.getContext();
    const { esi: _esi, ...withoutEsi } = context;
    const cases: [unknown, typeof TypeError, string][] = [
      [withoutEsi, TypeError, `esi must be ${REGISTER_RANGE}, got undefined`],
      [{ ...context, eax: "5" }, TypeError, `eax must be ${REGISTER_RANGE}, got "5"`],
      [{ ...context, eip: Number.NaN }, RangeError, `eip must be ${REGISTER_RANGE}, got NaN`],
      [{ ...context, edi: 1.5 }, RangeError, `edi must be ${REGISTER_RANGE}, got 1.5`],
      [
        { ...context, eflags: 2 ** 32 },
        RangeError,
        `eflags must be ${REGISTER_RANGE}, got 4294967296`,
      ],
      [
        { ...context, ss: "0x23" },
        TypeError,
        'ss must be 0x23 (the user data selector), got "0x23"',
      ],
      [null, TypeError, "context must be an object with every register, got null"],
    ];
    for (const [value, kind, message] of cases) {
      expectError(() => cpu.setContext(value as CpuContext), kind, `Cpu.setContext: ${message}`);
      expect(cpu.getContext()).toEqual(before);
    }
  });

  test("setContext accepts user selectors and signed values", () => {
    const { cpu, context } = loaded();
    cpu.setContext({ ...context, eax: -1, eip: -0x1000, ds: 0x1b, es: 0x20, fs: 3, gs: 0x21 });
    expect(cpu.getContext()).toEqual({
      ...context,
      eax: 0xffffffff,
      eip: 0xfffff000,
      ds: 0x1b,
      es: 0x20,
      fs: 3,
      gs: 0x21,
    });
  });

  test("setContext applies the eflags rule", () => {
    const { cpu, context } = loaded();
    cpu.setContext({ ...context, eflags: 0x3000 });
    expect(cpu.eflags).toBe(0x202);
  });
});

describe("Cpu constructor", () => {
  const memory = new ArrayBuffer(4096);
  const translator = new FlatTranslator(4096);

  const cases: [string, unknown, typeof TypeError, string][] = [
    [
      "no options",
      undefined,
      TypeError,
      "options must be an object { memory, translator, ... }, got undefined",
    ],
    ["no memory", { translator }, TypeError, "memory must be an ArrayBuffer, got undefined"],
    [
      "a typed array as memory",
      { memory: new Uint8Array(4096), translator },
      TypeError,
      "memory must be an ArrayBuffer, got an object (Uint8Array)",
    ],
    [
      "memory of 1000 bytes",
      { memory: new ArrayBuffer(1000), translator: new FlatTranslator(1000) },
      RangeError,
      "memory must be an ArrayBuffer whose size is a multiple of 4096 up to 268435456 bytes, " +
        "got an ArrayBuffer of 1000 bytes",
    ],
    [
      "a translator without translate",
      { memory, translator: {} },
      TypeError,
      "translator must have a translate(linear, access, cpl) method, got an object",
    ],
    [
      "a string as trace",
      { memory, translator, trace: "yes" },
      TypeError,
      'trace must be a function, got "yes"',
    ],
    [
      "a number as userVectors",
      { memory, translator, userVectors: 64 },
      TypeError,
      "userVectors must be an iterable of vector numbers such as [64], got 64",
    ],
    [
      "a string as userVectors",
      { memory, translator, userVectors: "64" },
      TypeError,
      'userVectors must be an iterable of vector numbers such as [64], got "64"',
    ],
    [
      "a string user vector",
      { memory, translator, userVectors: ["64"] },
      TypeError,
      'user vector must be an integer from 0 to 255, got "64"',
    ],
    [
      "user vector 256",
      { memory, translator, userVectors: [256] },
      RangeError,
      "user vector must be an integer from 0 to 255, got 256",
    ],
    [
      "a string as compileBlocks",
      { memory, translator, compileBlocks: "no" },
      TypeError,
      'compileBlocks must be true or false, got "no"',
    ],
  ];

  for (const [what, options, kind, message] of cases) {
    test(`constructor rejects ${what}`, () => {
      expectError(() => new Cpu(options as CpuOptions), kind, `Cpu: ${message}`);
    });
  }

  test("constructor accepts a Set of vectors", () => {
    const { cpu } = makeMachine(hex("cd 40"), { userVectors: new Set([64]) });
    expect(cpu.run(1)).toMatchObject({ type: "trap", vector: 64, errorCode: 0 });
  });
});

describe("FlatTranslator", () => {
  test("constructor rejects an invalid size", () => {
    expectError(
      () => new FlatTranslator(-1),
      RangeError,
      "FlatTranslator: memorySize must be an integer from 0 to 4294967296, got -1",
    );
    expectError(
      () => new FlatTranslator("4096" as unknown as number),
      TypeError,
      'FlatTranslator: memorySize must be an integer from 0 to 4294967296, got "4096"',
    );
  });

  test("setPages rejects invalid arguments", () => {
    const { cpu, translator } = makeMachine(hex("a1 00 20 00 00"), {}, 0x4000);
    const cases: [unknown[], typeof TypeError, string][] = [
      [
        [Number.NaN, 0x3000, "absent"],
        RangeError,
        "start must be an integer from 0 to 16384, got NaN",
      ],
      [
        [0x2000, 0x1000, "absent"],
        RangeError,
        "end must be an integer from 8192 to 16384, got 4096",
      ],
      [
        [0x2000, 0x5000, "absent"],
        RangeError,
        "end must be an integer from 8192 to 16384, got 20480",
      ],
      [
        [-4096, 0x3000, "absent"],
        RangeError,
        "start must be an integer from 0 to 16384, got -4096",
      ],
      [
        ["0x2000", 0x3000, "absent"],
        TypeError,
        'start must be an integer from 0 to 16384, got "0x2000"',
      ],
      [
        [0x2000, 0x3000, "none"],
        RangeError,
        'state must be one of "absent", "read-only", "writable", got "none"',
      ],
      [
        [0x2000, 0x3000, 0],
        TypeError,
        'state must be one of "absent", "read-only", "writable", got 0',
      ],
    ];
    for (const [args, kind, message] of cases) {
      const [start, end, state] = args as [number, number, "absent"];
      expectError(
        () => translator.setPages(start, end, state),
        kind,
        `FlatTranslator.setPages: ${message}`,
      );
    }
    // nothing was marked: the read of 0x2000 still works
    expect(cpu.run(1)).toEqual({ type: "budget", executed: 1 });
  });

  test("setPages marks every touched page", () => {
    const translator = new FlatTranslator(0x4000);
    translator.setPages(0x1800, 0x2001, "read-only");
    expect(translator.translate(0x0fff, 2, 3)).toBe(0x0fff);
    expect(translator.translate(0x1000, 2, 3)).toBe(-1 - 7);
    expect(translator.translate(0x2fff, 2, 3)).toBe(-1 - 7);
    expect(translator.translate(0x2fff, 0, 3)).toBe(0x2fff);
    expect(translator.translate(0x3000, 2, 3)).toBe(0x3000);
    translator.setPages(0x3000, 0x3000, "absent");
    expect(translator.translate(0x3000, 0, 3)).toBe(0x3000);
    translator.setPages(0, 0x4000, "absent");
    expect(translator.translate(0x3fff, 0, 3)).toBe(-1 - 4);
  });
});

describe("faultAddress", () => {
  test("int stop reports the stale CR2", () => {
    // mov eax, [0x5000] faults. After the page is mapped, int 0x40 stops with CR2 unchanged, so
    // faultAddress is the old fault's address, as xv6's trap line prints CR2 for every trap.
    const { cpu, translator } = makeMachine(hex("a1 00 50 00 00 cd 40"), { userVectors: [64] });
    translator.setPages(0x5000, 0x6000, "absent");
    expect(cpu.run(10)).toMatchObject({ vector: 14, faultAddress: 0x5000 });
    translator.setPages(0x5000, 0x6000, "writable");
    cpu.flushTlb();
    expect(cpu.run(10)).toEqual({
      type: "trap",
      executed: 2,
      vector: 64,
      errorCode: 0,
      faultAddress: 0x5000,
    });
    expect(cpu.regs[ESP]).toBe(0x4000);
  });
});
