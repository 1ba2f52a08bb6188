import { describe, expect, it } from "vitest";
import { pdx, ptx } from "./index";

describe("linear address split", () => {
  it("takes directory and table indexes from the high bits", () => {
    expect(pdx(0x80400000)).toBe(0x201);
    expect(ptx(0x80400000)).toBe(0);
    expect(pdx(0xfffff000)).toBe(0x3ff);
    expect(ptx(0xfffff000)).toBe(0x3ff);
  });
});
