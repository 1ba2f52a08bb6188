/**
 * The block compiler: turns a hot basic block of decoded instructions into one JavaScript
 * function (`new Function`), which V8 then compiles to machine code. Register numbers, immediates
 * and displacements become constants, so the fetch, the dispatch and the slot loads of the
 * interpreter disappear.
 *
 * A block is a run of consecutive instructions on one page, each of a compilable form, ending
 * after a branch, call or return, before an instruction that is not compilable, or at the page
 * end. The rules that keep a block exact:
 *
 * - Addresses are relative to the block's `eip` argument, so a physical page mapped at two
 *   virtual addresses shares its blocks, as it shares its decoded instructions.
 * - Before each instruction that can fault, the block stores the instruction's address and the
 *   retired count in `core.instructionStart` and `core.loopRetired`, as the interpreter does.
 * - An arithmetic instruction's lazy-flag record is left out when a later instruction of the
 *   block replaces all six flags before anything reads them and before any instruction that can
 *   fault or store. A conditional branch after `cmp` or `test` compares the saved operands
 *   directly instead of reading the flags.
 * - After a store, the block returns early if the store dropped decoded code, so the next
 *   instruction is decoded again (self-modifying code).
 * - The run loop enters a block only when the budget covers all of it.
 */
import { doubleShift, shiftOperation } from "./alu.ts";
import { multiplyTruncated, multiplyUnsigned } from "./arith.ts";
import type { CodeFetcher } from "./code-fetch.ts";
import { type CpuCore, STOP_SIGNAL } from "./core.ts";
import type { CompiledBlock, InstructionCache } from "./instruction-cache.ts";
import { FIXED_MEMORY_WRITERS, slowEffectiveAddress } from "./operands.ts";
import { OP_NAMES } from "./ops.ts";

/** Interpreted executions of a slot before a block starting there is compiled. */
export const COMPILE_THRESHOLD = 40;
const MAX_BLOCK_INSTRUCTIONS = 64;

const ALU_OPERATORS: Record<string, string> = {
  ADD: "+",
  OR: "|",
  AND: "&",
  SUB: "-",
  XOR: "^",
  CMP: "-",
};
const FORMS = ["RR", "RM", "MR", "RI", "MI"];

/** Handlers the compiler emits, by name; anything else ends the block before it. */
const COMPILABLE = new Set<string>([
  "NOP",
  "MOV32_RR",
  "MOV32_RM",
  "MOV32_MR",
  "MOV32_RI",
  "MOV32_MI",
  "MOV8_RR",
  "MOV8_RM",
  "MOV8_MR",
  "MOV8_RI",
  "MOV8_MI",
  ...Object.keys(ALU_OPERATORS).flatMap((kind) => FORMS.map((form) => `${kind}32_${form}`)),
  "TEST32_RR",
  "TEST32_MR",
  "TEST32_RI",
  "TEST32_MI",
  "CMP8_RI",
  "CMP8_MI",
  "TEST8_RR",
  "TEST8_RI",
  "INC32_R",
  "DEC32_R",
  "INC32_M",
  "DEC32_M",
  "PUSH32_R",
  "PUSH32_I",
  "PUSH32_M",
  "POP32_R",
  "LEA32",
  "MOVZX8_RR",
  "MOVZX8_RM",
  "MOVZX16_RR",
  "MOVZX16_RM",
  "MOVSX8_RR",
  "MOVSX8_RM",
  "MOVSX16_RR",
  "MOVSX16_RM",
  "SETCC_R",
  "SETCC_M",
  "CMOV32_RR",
  "CMOV32_RM",
  "SHIFT32_R",
  "IMUL32_RR",
  "IMUL32_RM",
  "IMUL32_RRI",
  "CDQ",
  "XCHG32_RR",
  "LEAVE32",
  "ADC32_RR",
  "ADC32_RI",
  "SBB32_RR",
  "SBB32_RI",
  "SHLD32_R",
  "SHRD32_R",
  "MUL32_R",
  "JMP_REL",
  "JCC_REL",
  "CALL_REL",
  "RET",
  "RET_IMM",
  "JMP_R32",
  "JMP_M32",
  "CALL_R32",
  "CALL_M32",
]);

/** Handlers after which a block always ends (a conditional branch only exits when taken). */
const TERMINATORS = new Set([
  "JMP_REL",

  "CALL_REL",
  "RET",
  "RET_IMM",
  "JMP_R32",
  "JMP_M32",
  "CALL_R32",
  "CALL_M32",
]);

/** Handlers that replace all six status flags without reading them. */
const REPLACES_FLAGS = new Set([
  ...Object.keys(ALU_OPERATORS).flatMap((kind) => FORMS.map((form) => `${kind}32_${form}`)),
  "TEST32_RR",
  "TEST32_MR",
  "TEST32_RI",
  "TEST32_MI",
  "CMP8_RI",
  "CMP8_MI",
  "TEST8_RR",
  "TEST8_RI",
]);

/** Handlers that read flags, or change them in ways the compiler does not follow. */
const READS_FLAGS = new Set([
  "JCC_REL",
  "SETCC_R",
  "SETCC_M",
  "CMOV32_RR",
  "CMOV32_RM",
  "ADC32_RR",
  "ADC32_RI",
  "SBB32_RR",
  "SBB32_RI",
  "INC32_R",
  "DEC32_R",
  "INC32_M",
  "DEC32_M",
  "SHIFT32_R",
  "IMUL32_RR",
  "IMUL32_RM",
  "IMUL32_RRI",
  "SHLD32_R",
  "SHRD32_R",
  "MUL32_R",
]);

/** Handlers that store to memory (and so may drop decoded code): operand writers and pushes. */
const STORES = new Set<string>([...FIXED_MEMORY_WRITERS, "PUSH32_R", "PUSH32_I", "PUSH32_M"]);

/**
 * The flags last set by an instruction whose operands and result are block-local constants:
 * `sub` (sub, cmp), `add`, `logic` (and, or, xor, test), or `result` (inc, dec: only ZF and SF
 * are derived from it here).
 */
interface FlagSource {
  kind: "sub" | "add" | "logic" | "result";
  a: string;
  b: string;
  result: string;
}

/** One instruction of a block being compiled. */
interface Step {
  slot: number;
  name: string;
  offset: number;
  nextOffset: number;
}

function byteRegister(n: number): number {
  return ((n & 3) << 2) | (n >> 2);
}

/** Returns branch condition `cc` as a JavaScript expression, direct when the flag source is known. */
function conditionExpression(cc: number, source: FlagSource | null): string {
  const negate = (expression: string) => ((cc & 1) === 0 ? expression : `!(${expression})`);
  if (source === null || cc === 10 || cc === 11) return `c.condition(${cc})`;
  const { a, b, result } = source;
  if (source.kind === "result" || source.kind === "add") {
    if (cc >= 4 && cc <= 5) return negate(`${result} === 0`);
    if (cc >= 8 && cc <= 9) return negate(`${result} < 0`);
    if (source.kind === "add" && cc >= 2 && cc <= 3)
      return negate(`(${result} >>> 0) < (${a} >>> 0)`);
    return `c.condition(${cc})`;
  }
  if (source.kind === "logic") {
    const logic = [
      "false",
      "true",
      "false",
      "true",
      `${result} === 0`,
      `${result} !== 0`,
      `${result} === 0`,
      `${result} !== 0`,
      `${result} < 0`,
      `${result} >= 0`,
      "",
      "",
      `${result} < 0`,
      `${result} >= 0`,
      `${result} <= 0`,
      `${result} > 0`,
    ];
    return logic[cc]!;
  }
  const base = [
    `((${a} ^ ${b}) & (${a} ^ ${result})) < 0`,
    "",
    `(${a} >>> 0) < (${b} >>> 0)`,
    "",
    `${a} === ${b}`,
    "",
    `(${a} >>> 0) <= (${b} >>> 0)`,
    "",
    `${result} < 0`,
    "",
    "",
    "",
    `${a} < ${b}`,
    "",
    `${a} <= ${b}`,
    "",
  ];
  return negate(base[cc & ~1]!);
}

export class BlockCompiler {
  private readonly helpers = {
    slowEffectiveAddress,
    shiftOperation,
    multiplyTruncated,
    multiplyUnsigned,
    doubleShift,
  };

  constructor(
    private readonly core: CpuCore,
    private readonly cache: InstructionCache,
    private readonly fetcher: CodeFetcher,
    private readonly enabled: boolean,
  ) {}

  /**
   * Compiles the block that starts with `slot`, the decoded instruction at `eip` on the current
   * code page, and stores it in `cache.blocks` (null when its first instruction is not compilable).
   */
  compile(slot: number, eip: number): void {
    if (!this.enabled) {
      this.cache.blocks[slot] = null;
      return;
    }
    const steps = this.collectSteps(slot, eip);
    if (steps === undefined) return;
    if (steps.length === 0) {
      this.cache.blocks[slot] = null;
      return;
    }
    const source = this.generate(steps);
    const factory = new Function("H", "cache", source) as (
      helpers: unknown,
      cache: InstructionCache,
    ) => CompiledBlock;
    this.cache.blocks[slot] = factory(this.helpers, this.cache);
    this.cache.blockLength[slot] = steps.length;
  }

  /** Lists the block's instructions, decoding ahead on the page; undefined if the cache was cleared. */
  private collectSteps(slot: number, eip: number): Step[] | undefined {
    const cache = this.cache;
    const generation = cache.generation;
    const steps: Step[] = [];
    let offset = 0;
    let current = slot;
    while (steps.length < MAX_BLOCK_INSTRUCTIONS) {
      const name = OP_NAMES[cache.op[current]!]!;
      if (!COMPILABLE.has(name) || (name === "LEA32" && cache.size[current] !== 4)) break;
      const nextOffset = offset + cache.len[current]!;
      steps.push({ slot: current, name, offset, nextOffset });
      if (TERMINATORS.has(name)) break;
      const nextEip = (eip + nextOffset) >>> 0;
      if ((nextEip & 0xfff) === 0 || (nextEip & 0xfff) < (eip & 0xfff)) break; // page end
      current = this.fetcher.codeMap[nextEip & 0xfff]!;
      if (current === 0) current = this.decodeAhead(nextEip);
      if (cache.generation !== generation) return undefined;
      if (current === 0) break;
      offset = nextOffset;
    }
    return steps;
  }

  /** Decodes the instruction at `eip` for the block; 0 when it faults or crosses the page. */
  private decodeAhead(eip: number): number {
    const core = this.core;
    const cr2 = core.cr2;
    try {
      const slot = this.fetcher.decodeAt(eip);
      return this.fetcher.codeMap[eip & 0xfff] === slot ? slot : 0;
    } catch (error) {
      if (error !== STOP_SIGNAL) throw error;
      core.stopKind = 0;
      core.cr2 = cr2;
      return 0;
    }
  }

  /** Marks, for each step, whether its lazy-flag record must be kept. */
  private flagRecordsNeeded(steps: Step[]): boolean[] {
    const needed = new Array<boolean>(steps.length);
    let live = true; // flags are live when the block ends
    for (let k = steps.length - 1; k >= 0; k--) {
      const step = steps[k]!;
      const stores = STORES.has(step.name);
      needed[k] = live || stores;
      if (this.replacesFlags(step)) live = false;
      else if (READS_FLAGS.has(step.name)) live = true;
      if (this.canFault(step)) live = true;
    }
    return needed;
  }

  /**
   * Returns whether the step sets all six status flags without reading any: the ALU forms,
   * imul, and shl/shr/sar by a constant count that is not 0 modulo 32.
   */
  private replacesFlags(step: Step): boolean {
    if (REPLACES_FLAGS.has(step.name) || step.name.startsWith("IMUL32")) return true;
    if (step.name !== "SHIFT32_R") return false;
    const kind = this.cache.sub[step.slot]!;
    const count = this.cache.imm[step.slot]!;
    return kind >= 4 && count > 0 && (count & 31) !== 0;
  }

  private canFault(step: Step): boolean {
    return (
      ((this.cache.flags[step.slot]! & 1) !== 0 && step.name !== "LEA32") ||
      STORES.has(step.name) ||
      ["POP32_R", "LEAVE32", "CALL_REL", "CALL_R32", "RET", "RET_IMM"].includes(step.name)
    );
  }

  private generate(steps: Step[]): string {
    const needed = this.flagRecordsNeeded(steps);
    const lines = [
      "const { slowEffectiveAddress, shiftOperation, multiplyTruncated, multiplyUnsigned, doubleShift } = H;",
      "return function block(c, r, eip, e, l) {",
      "const r8 = c.r8;",
      "const r16 = c.r16;",
      "let d = 0;",
    ];
    const loops = steps.some((step) => this.isBackEdge(step));
    if (loops) lines.push("for (;;) {");
    let source: FlagSource | null = null;
    steps.forEach((step, k) => {
      const emitted = this.emitStep(step, k, steps.length, needed[k]!, source);
      lines.push(...emitted.lines);
      source = emitted.source;
    });
    const last = steps[steps.length - 1]!;
    if (!TERMINATORS.has(last.name)) {
      lines.push(
        `c.blockRetired = d + ${steps.length};`,
        `return (eip + ${last.nextOffset}) >>> 0;`,
      );
    }
    if (loops) lines.push("}");
    lines.push("};");
    return lines.join("\n");
  }

  /** Returns whether the step is a jmp or jcc back to the block's first instruction. */
  private isBackEdge(step: Step): boolean {
    if (step.name !== "JMP_REL" && step.name !== "JCC_REL") return false;
    return step.nextOffset + this.cache.imm[step.slot]! === 0;
  }

  /**
   * Emits the taken branch back to the block's start: another pass if the budget covers a whole
   * one, else an exit to the start.
   */
  private backEdgeLines(k: number, count: number): string[] {
    return [
      `d += ${k + 1};`,
      `if (e + d + ${count} <= l) continue;`,
      "c.blockRetired = d;",
      "return eip;",
    ];
  }

  /** Emits one instruction; returns its lines and the flag source after it. */
  private emitStep(
    step: Step,
    k: number,
    count: number,
    recordFlags: boolean,
    source: FlagSource | null,
  ): { lines: string[]; source: FlagSource | null } {
    const c = this.cache;
    const i = step.slot;
    const name = step.name;
    const reg = c.reg[i]!;
    const base = c.base[i]!;
    const imm = c.imm[i]!;
    const m = `m${k}`;
    const lines: string[] = [];
    if (this.canFault(step))
      lines.push(
        `c.instructionStart = (eip + ${step.offset}) >>> 0;`,
        `c.loopRetired = e + d + ${k};`,
      );
    if ((c.flags[i]! & 1) !== 0) lines.push(...this.addressLines(i, m));
    const exit = (target: string) => [`c.blockRetired = d + ${k + 1};`, `return ${target};`];
    const next = `(eip + ${step.nextOffset}) | 0`;
    const target = `(eip + ${step.nextOffset + imm}) >>> 0`;
    const storeCheck = () =>
      k + 1 < count
        ? [
            `if (c.codeWritten) { c.codeWritten = false; c.blockRetired = d + ${k + 1}; return (eip + ${step.nextOffset}) >>> 0; }`,
          ]
        : [];

    const alu = /^(ADD|OR|AND|SUB|XOR|CMP|TEST)32_(RR|RM|MR|RI|MI)$/.exec(name);
    if (alu) return this.emitAlu(alu[1]!, alu[2]!, i, k, m, recordFlags, lines, storeCheck);
    let nextSource: FlagSource | null =
      READS_FLAGS.has(name) || this.replacesFlags(step) ? null : source;
    const condition = () => conditionExpression(c.sub[i]!, source);
    switch (name) {
      case "NOP":
        break;
      case "MOV32_RR":
        lines.push(`r[${reg}] = r[${base}];`);
        break;
      case "MOV32_RM":
        lines.push(`r[${reg}] = c.read32(${m});`);
        break;
      case "MOV32_MR":
        lines.push(`c.write32(${m}, r[${reg}]);`, ...storeCheck());
        break;
      case "MOV32_RI":
        lines.push(`r[${reg}] = ${imm};`);
        break;
      case "MOV32_MI":
        lines.push(`c.write32(${m}, ${imm});`, ...storeCheck());
        break;
      case "MOV8_RR":
        lines.push(`r8[${byteRegister(reg)}] = r8[${byteRegister(base)}];`);
        break;
      case "MOV8_RM":
        lines.push(`r8[${byteRegister(reg)}] = c.read8(${m});`);
        break;
      case "MOV8_MR":
        lines.push(`c.write8(${m}, r8[${byteRegister(reg)}]);`, ...storeCheck());
        break;
      case "MOV8_RI":
        lines.push(`r8[${byteRegister(reg)}] = ${imm & 0xff};`);
        break;
      case "MOV8_MI":
        lines.push(`c.write8(${m}, ${imm & 0xff});`, ...storeCheck());
        break;
      case "CMP8_RI":
      case "CMP8_MI": {
        const value = name === "CMP8_RI" ? `r8[${byteRegister(reg)}]` : `c.read8(${m})`;
        lines.push(
          `const a${k} = ${value};`,
          `c.setLazy(1, a${k}, ${imm & 0xff}, (a${k} - ${imm & 0xff}) | 0, 24);`,
        );
        break;
      }
      case "TEST8_RR":
        lines.push(`c.setLogic(r8[${byteRegister(reg)}] & r8[${byteRegister(base)}], 24);`);
        break;
      case "TEST8_RI":
        lines.push(`c.setLogic(r8[${byteRegister(reg)}] & ${imm & 0xff}, 24);`);
        break;
      case "INC32_R":
      case "DEC32_R": {
        const operator = name === "INC32_R" ? "+" : "-";
        lines.push(
          `const a${k} = r[${reg}];`,
          `const v${k} = (a${k} ${operator} 1) | 0;`,
          `r[${reg}] = v${k};`,
          `c.setLazyKeepCarry(${name === "INC32_R" ? 0 : 1}, a${k}, v${k}, 0);`,
        );
        nextSource = { kind: "result", a: `a${k}`, b: "1", result: `v${k}` };
        break;
      }
      case "INC32_M":
      case "DEC32_M": {
        const operator = name === "INC32_M" ? "+" : "-";
        lines.push(
          `const a${k} = c.readForWrite32(${m});`,
          `const v${k} = (a${k} ${operator} 1) | 0;`,
          `c.write32(${m}, v${k});`,
          `c.setLazyKeepCarry(${name === "INC32_M" ? 0 : 1}, a${k}, v${k}, 0);`,
          ...storeCheck(),
        );
        break;
      }
      case "PUSH32_R":
        lines.push(`c.push32(r[${reg}]);`, ...storeCheck());
        break;
      case "PUSH32_I":
        lines.push(`c.push32(${imm});`, ...storeCheck());
        break;
      case "PUSH32_M":
        lines.push(`c.push32(c.read32(${m}));`, ...storeCheck());
        break;
      case "POP32_R":
        lines.push(`const v${k} = c.pop32();`, `r[${reg}] = v${k};`);
        break;
      case "LEA32":
        lines.push(`r[${reg}] = ${m};`);
        break;
      case "MOVZX8_RR":
        lines.push(`r[${reg}] = r8[${byteRegister(base)}];`);
        break;
      case "MOVZX8_RM":
        lines.push(`r[${reg}] = c.read8(${m});`);
        break;
      case "MOVZX16_RR":
        lines.push(`r[${reg}] = r16[${base << 1}];`);
        break;
      case "MOVZX16_RM":
        lines.push(`r[${reg}] = c.read16(${m});`);
        break;
      case "MOVSX8_RR":
        lines.push(`r[${reg}] = (r8[${byteRegister(base)}] << 24) >> 24;`);
        break;
      case "MOVSX8_RM":
        lines.push(`r[${reg}] = (c.read8(${m}) << 24) >> 24;`);
        break;
      case "MOVSX16_RR":
        lines.push(`r[${reg}] = (r16[${base << 1}] << 16) >> 16;`);
        break;
      case "MOVSX16_RM":
        lines.push(`r[${reg}] = (c.read16(${m}) << 16) >> 16;`);
        break;
      case "SETCC_R":
        lines.push(`r8[${byteRegister(reg)}] = ${condition()} ? 1 : 0;`);
        break;
      case "SETCC_M":
        lines.push(`c.write8(${m}, ${condition()} ? 1 : 0);`, ...storeCheck());
        break;
      case "CMOV32_RR":
        lines.push(`if (${condition()}) r[${reg}] = r[${base}];`);
        break;
      case "CMOV32_RM":
        lines.push(`const v${k} = c.read32(${m});`, `if (${condition()}) r[${reg}] = v${k};`);
        break;
      case "SHIFT32_R":
        lines.push(this.shiftLine(i, recordFlags));
        break;
      case "IMUL32_RR":
      case "IMUL32_RM":
      case "IMUL32_RRI": {
        const left = name === "IMUL32_RRI" ? `r[${base}]` : `r[${reg}]`;
        const right =
          name === "IMUL32_RR"
            ? `r[${base}]`
            : name === "IMUL32_RM"
              ? `c.read32(${m})`
              : String(imm);
        const product = recordFlags
          ? `multiplyTruncated(c, 4, ${left}, ${right})`
          : `Math.imul(${left}, ${right})`;
        lines.push(`r[${reg}] = ${product};`);
        break;
      }
      case "CDQ":
        lines.push("r[2] = r[0] >> 31;");
        break;
      case "XCHG32_RR":
        lines.push(`const v${k} = r[${reg}];`, `r[${reg}] = r[${base}];`, `r[${base}] = v${k};`);
        break;
      case "LEAVE32":
        lines.push(
          `const p${k} = r[5];`,
          `const v${k} = c.read32(p${k});`,
          `r[4] = (p${k} + 4) | 0;`,
          `r[5] = v${k};`,
        );
        break;
      case "ADC32_RR":
      case "ADC32_RI":
      case "SBB32_RR":
      case "SBB32_RI": {
        const add = name.startsWith("ADC");
        const operand = name.endsWith("RR") ? `r[${base}]` : String(imm);
        lines.push(
          `const a${k} = r[${reg}];`,
          `const b${k} = ${operand};`,
          `const v${k} = (a${k} ${add ? "+" : "-"} b${k} ${add ? "+" : "-"} c.carryFlag()) | 0;`,
          `r[${reg}] = v${k};`,
          `c.setLazy(${add ? 0 : 1}, a${k}, b${k}, v${k}, 0);`,
        );
        break;
      }
      case "SHLD32_R":
      case "SHRD32_R":
        lines.push(
          `const n${k} = ${imm < 0 ? "r8[4]" : imm};`,
          `if ((n${k} & 31) !== 0) r[${base}] = doubleShift(c, ${name === "SHLD32_R"}, 4, r[${base}], r[${reg}], n${k});`,
        );
        break;
      case "MUL32_R":
        lines.push(`multiplyUnsigned(c, 4, r[${base}]);`);
        break;
      case "JMP_REL":
        lines.push(...(this.isBackEdge(step) ? this.backEdgeLines(k, count) : exit(target)));
        break;
      case "JCC_REL": {
        // taken: loop back or leave the block; not taken: carry on with the next step
        const taken = this.isBackEdge(step) ? this.backEdgeLines(k, count) : exit(target);
        lines.push(`if (${condition()}) {`, ...taken, "}");
        break;
      }
      case "CALL_REL":
        lines.push(`c.push32(${next});`, ...exit(target));
        break;
      case "RET":
        lines.push(`const t${k} = c.pop32();`, ...exit(`t${k} >>> 0`));
        break;
      case "RET_IMM":
        lines.push(
          `const t${k} = c.pop32();`,
          `r[4] = (r[4] + ${imm}) | 0;`,
          ...exit(`t${k} >>> 0`),
        );
        break;
      case "JMP_R32":
        lines.push(...exit(`r[${reg}] >>> 0`));
        break;
      case "JMP_M32":
        lines.push(`const t${k} = c.read32(${m});`, ...exit(`t${k} >>> 0`));
        break;
      case "CALL_R32":
        lines.push(`const t${k} = r[${reg}];`, `c.push32(${next});`, ...exit(`t${k} >>> 0`));
        break;
      default:
        // CALL_M32
        lines.push(`const t${k} = c.read32(${m});`, `c.push32(${next});`, ...exit(`t${k} >>> 0`));
        break;
    }
    if (name === "CMP8_RI" || name === "CMP8_MI" || name === "TEST8_RR" || name === "TEST8_RI")
      nextSource = null;
    return { lines, source: nextSource };
  }

  /**
   * Emits a shift of a register. shl, shr and sar by a constant are inline when their flags are
   * dead. Every other shift calls the shared shift routine, which also sets the flags.
   */
  private shiftLine(i: number, recordFlags: boolean): string {
    const c = this.cache;
    const reg = c.reg[i]!;
    const kind = c.sub[i]!;
    const count = c.imm[i]!;
    const operators: Record<number, string> = { 4: "<<", 5: ">>>", 6: "<<", 7: ">>" };
    if (!recordFlags && count > 0 && (count & 31) !== 0 && operators[kind] !== undefined) {
      return `r[${reg}] = r[${reg}] ${operators[kind]} ${count & 31};`;
    }
    return `r[${reg}] = shiftOperation(c, ${kind}, 4, r[${reg}], ${count < 0 ? "r8[4]" : count});`;
  }

  /** Emits the memory operand's address into `let m`, with the null-segment and 16-bit checks. */
  private addressLines(i: number, m: string): string[] {
    const c = this.cache;
    const parts: string[] = [];
    if (c.base[i]! < 8) parts.push(`r[${c.base[i]}]`);
    if (c.index[i]! < 8)
      parts.push(c.scale[i] === 0 ? `r[${c.index[i]}]` : `(r[${c.index[i]}] << ${c.scale[i]})`);
    parts.push(String(c.disp[i]));
    const lines = [`let ${m} = (${parts.join(" + ")}) | 0;`];
    const segBit = c.segBit[i]!;
    if (segBit !== 0)
      lines.push(
        `if ((c.eaSlowMask & ${segBit}) !== 0) ${m} = slowEffectiveAddress(c, cache, ${i}, ${m});`,
      );
    return lines;
  }

  /** Emits add/or/and/sub/xor/cmp/test in one of the five 32-bit forms. */
  private emitAlu(
    kind: string,
    form: string,
    i: number,
    k: number,
    m: string,
    recordFlags: boolean,
    lines: string[],
    storeCheck: () => string[],
  ): { lines: string[]; source: FlagSource | null } {
    const c = this.cache;
    const reg = c.reg[i]!;
    const writes = kind !== "CMP" && kind !== "TEST";
    const toMemory = form === "MR" || form === "MI";
    let left = `r[${reg}]`;
    if (toMemory) left = writes ? `c.readForWrite32(${m})` : `c.read32(${m})`;
    const right =
      form === "RR"
        ? `r[${c.base[i]}]`
        : form === "RM"
          ? `c.read32(${m})`
          : form === "MR"
            ? `r[${reg}]`
            : String(c.imm[i]);
    const operator = kind === "TEST" ? "&" : ALU_OPERATORS[kind]!;
    const a = `a${k}`;
    const b = `b${k}`;
    const v = `v${k}`;
    lines.push(
      `const ${a} = ${left};`,
      `const ${b} = ${right};`,
      `const ${v} = (${a} ${operator} ${b}) | 0;`,
    );
    if (writes) lines.push(toMemory ? `c.write32(${m}, ${v});` : `r[${reg}] = ${v};`);
    const logic = kind !== "ADD" && kind !== "SUB" && kind !== "CMP";
    if (recordFlags) {
      lines.push(
        logic
          ? `c.setLogic(${v}, 0);`
          : `c.setLazy(${kind === "ADD" ? 0 : 1}, ${a}, ${b}, ${v}, 0);`,
      );
    }
    if (writes && toMemory) lines.push(...storeCheck());

    return {
      lines,
      source: { kind: kind === "ADD" ? "add" : logic ? "logic" : "sub", a, b, result: v },
    };
  }
}
