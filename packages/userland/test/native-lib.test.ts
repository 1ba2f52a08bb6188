import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canRunNative, makeSandbox, type NativeRun, runNative, type Sandbox } from "./native";

// What native/libtest prints, line by line, for the input below.
const GETS_INPUT = "first line\nsecond\r\nabcdefghijklmnop\nlast";

const FORMAT_LINES = [
  "format d zero: [0] 1",
  "format d positive: [42] 2",
  "format d negative: [-42] 3",
  "format d min: [-2147483648] 11",
  "format d max: [2147483647] 10",
  "format i: [-7] 2",
  "format u max: [4294967295] 10",
  "format x: [deadbeef] 8",
  "format X: [DEADBEEF] 8",
  "format x zero: [0] 1",
  "format p: [0x1234] 6",
  "format s: [hello] 5",
  "format s null: [(null)] 6",
  "format c: [ok] 2",
  "format percent: [100%] 4",
  "format width: [   42] 5",
  "format left: [42   |] 6",
  "format zero pad: [-0042] 5",
  "format zero pad hex: [0000beef] 8",
  "format precision: [007] 3",
  "format precision zero: [|] 1",
  "format precision and width: [  -007|] 7",
  "format zero flag with precision: [    05|] 7",
  "format string width: [    hi|] 7",
  "format string left: [hi    |] 7",
  "format string precision: [he|] 3",
  "format star width: [    42|] 7",
  "format negative star: [1   |] 5",
  "format star precision: [abc|] 4",
  "format long: [123 456 ab] 10",
  "format char width: [  x|] 4",
  "format mixed: [pid 3: sh at 0x1000] 19",
];

const alphabet = (length: number) =>
  Array.from({ length }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
const digits = (length: number) => Array.from({ length }, (_, i) => String(i % 10)).join("");

describe.skipIf(!canRunNative)("the C library, run natively", () => {
  let sandbox: Sandbox;
  let run: NativeRun;
  let lines: string[];

  beforeAll(() => {
    sandbox = makeSandbox([]);
    run = runNative("libtest", [], { input: GETS_INPUT, cwd: sandbox.dir });
    lines = run.stdout.split("\n");
  });
  afterAll(() => sandbox.remove());

  it("libtest exits normally", () => {
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
  });

  it("printf formats every conversion", () => {
    expect(lines.filter((line) => line.startsWith("format "))).toEqual(FORMAT_LINES);
  });

  it("snprintf truncates and counts", () => {
    expect(lines).toContain("snprintf truncates: [hell] 11");
    expect(lines).toContain("snprintf size 0: 5, first byte #");
    expect(lines).toContain("snprintf size 1: [] 3");
  });

  it("printf writes output longer than its buffer", () => {
    expect(lines).toContain(`printf long: ${alphabet(1000)}`);
  });

  it("printf without memory writes in pieces", () => {
    expect(lines).toContain(`printf without memory: 1 ${digits(700)}`);
  });

  it("string functions return C's results", () => {
    expect(lines).toContain("strlen: 0 5");
    expect(lines).toContain("strcmp: 1 1 1 1");
    expect(lines).toContain("strncmp: 1 1 1");
    expect(lines).toContain("strchr: llo 1 1");
    expect(lines).toContain("strcpy: copied");
    expect(lines).toContain("memcmp: 1 1 1");
  });

  it("memory functions match byte-wise references", () => {
    expect(lines).toContain("memmove: ok");
    expect(lines).toContain("memset: ok");
    expect(lines).toContain("memcpy: memcpy works");
    expect(lines).toContain("memmove negative length: 1");
  });

  it("atoi reads signs and stops at non-digits", () => {
    expect(lines).toContain("atoi: 0 123 -45 7 12 0 0 0 2147483647 -2147483648");
  });

  it("is_number accepts only decimal digits", () => {
    expect(lines).toContain("is_number: 1 1 1 0 0 0 0 0 0 0");
  });

  it("gets splits lines at newline, return and the size", () => {
    expect(lines.filter((line) => line.startsWith("gets: "))).toEqual([
      "gets: [first l]",
      "gets: [ine\\n]",
      "gets: [second\\r]",
      "gets: [\\n]",
      "gets: [abcdefg]",
      "gets: [hijklmn]",
      "gets: [op\\n]",
      "gets: [last]",
      "gets: end",
    ]);
  });

  it("stat reports type and size", () => {
    expect(lines).toContain("stat file: 0 type 2 size 12");
    expect(lines).toContain("stat dir: 0 type 1");
    expect(lines).toContain("stat missing: -1");
  });

  it("malloc reuses merged blocks and survives a stress run", () => {
    expect(lines).toContain("malloc zero: 1 1");
    expect(lines).toContain("malloc reuse: 1");
    expect(lines).toContain("malloc too large: 1");
    expect(lines).toContain("malloc stress: ok");
  });

  it("free detects a double free", () => {
    expect(lines).toContain("double free: child ended");
    expect(lines).not.toContain("double free: not detected");
    expect(run.stderr).toMatch(
      /^free: 0x[0-9a-f]+ was not returned by malloc or was freed already\n$/,
    );
  });
});
