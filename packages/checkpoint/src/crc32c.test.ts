import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32c } from "./crc32c.js";

/** The textbook bit-at-a-time CRC-32C, the reference the table-driven one must match. */
function bitwiseCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0x82f63b78 ^ (crc >>> 1) : crc >>> 1;
  }
  return ~crc >>> 0;
}

const ascii = (text: string) => new TextEncoder().encode(text);

describe("crc32c", () => {
  it("gives the standard check value", () => {
    expect(crc32c(ascii("123456789"))).toBe(0xe3069283);
  });

  it("gives 0 for no bytes", () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it("matches the known value of 32 zero bytes", () => {
    // RFC 3720, appendix B.4: 32 bytes of zeros.
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
  });

  it("continues across split input", () => {
    const bytes = ascii("123456789");
    expect(crc32c(bytes.subarray(4), crc32c(bytes.subarray(0, 4)))).toBe(0xe3069283);
  });

  it("matches the bitwise reference at every length and split", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(100), (bytes, cut) => {
        const split = Math.min(cut, bytes.length);
        const whole = bitwiseCrc32c(bytes);
        expect(crc32c(bytes)).toBe(whole);
        expect(crc32c(bytes.subarray(split), crc32c(bytes.subarray(0, split)))).toBe(whole);
      }),
    );
  });

  it("rejects arguments of the wrong type", () => {
    expect(() => crc32c("abc" as unknown as Uint8Array)).toThrow(
      new TypeError('crc32c: bytes must be a Uint8Array, got "abc"'),
    );
    expect(() => crc32c(ascii("abc"), -1)).toThrow(
      new RangeError("crc32c: previous -1 is not an integer from 0 to 0xffffffff"),
    );
    expect(() => crc32c(ascii("abc"), Number.NaN)).toThrow(
      new RangeError("crc32c: previous NaN is not an integer from 0 to 0xffffffff"),
    );
  });
});
