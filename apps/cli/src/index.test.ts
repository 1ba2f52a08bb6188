import { describe, expect, it } from "vitest";
import { createProgram, VERSION } from "./index";

describe("createProgram", () => {
  it("names the command xv6ts and reports the version", () => {
    const program = createProgram();
    expect(program.name()).toBe("xv6ts");
    expect(program.version()).toBe(VERSION);
  });
});
