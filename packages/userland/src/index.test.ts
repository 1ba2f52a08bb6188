import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BIN_DIR, programBytes, programNames, toolchain } from "./index";

describe("programNames", () => {
  it("returns the programs sorted", () => {
    const names = programNames();

    expect(names).toEqual([...names].sort());
    expect(names).toContain("init");
    expect(names).toContain("sh");
  });

  it("leaves out the TOOLCHAIN file", () => {
    expect(programNames()).not.toContain("TOOLCHAIN");
  });
});

describe("programBytes", () => {
  it("returns the built file of a program", () => {
    expect(programBytes("init")).toEqual(new Uint8Array(readFileSync(`${BIN_DIR}init`)));
  });

  it("throws for a program that does not exist", () => {
    expect(() => programBytes("no-such-program")).toThrow(
      /no user program named "no-such-program"/,
    );
  });

  it("throws for the TOOLCHAIN file", () => {
    expect(() => programBytes("TOOLCHAIN")).toThrow(/no user program named "TOOLCHAIN"/);
  });
});

describe("toolchain", () => {
  it("returns the recorded gcc and binutils versions", () => {
    const tools = toolchain();

    expect(tools.gcc).toMatch(/^gcc .*\d+\.\d+\.\d+/);
    expect(tools.binutils).toMatch(/^GNU ld .*\d+\.\d+/);
  });
});
