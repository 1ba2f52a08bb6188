import { describe, expect, it } from "vitest";
import { programBytes } from "./index";

describe("programBytes", () => {
  it("throws for a program that does not exist", () => {
    expect(() => programBytes("no-such-program")).toThrow(
      /no user program named "no-such-program"/,
    );
  });
});
