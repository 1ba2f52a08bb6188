import { describe, expect, it } from "vitest";
import { crc32c } from "./index";

describe("crc32c", () => {
  it("gives the standard check value", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
  });

  it("continues across split input", () => {
    const bytes = new TextEncoder().encode("123456789");
    expect(crc32c(bytes.subarray(4), crc32c(bytes.subarray(0, 4)))).toBe(0xe3069283);
  });
});
