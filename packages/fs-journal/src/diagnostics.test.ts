import { describe, expect, test } from "vitest";
import { quoteName } from "./diagnostics";

describe("quoteName", () => {
  test("quotes a printable name as it is", () => {
    expect(quoteName("README")).toBe('"README"');
    expect(quoteName("a b~")).toBe('"a b~"');
    expect(quoteName("")).toBe('""');
  });

  test("escapes control bytes, DEL and bytes above 0x7f as \\xNN", () => {
    expect(quoteName("a\nb")).toBe('"a\\x0ab"');
    expect(quoteName("\x1b[31mred")).toBe('"\\x1b[31mred"');
    expect(quoteName("\0\x7f\x80\xff")).toBe('"\\x00\\x7f\\x80\\xff"');
  });

  test("escapes quotes and backslashes, and chars above 0xff as \\uNNNN", () => {
    expect(quoteName('say "hi"')).toBe('"say \\"hi\\""');
    expect(quoteName("a\\b")).toBe('"a\\\\b"');
    expect(quoteName("caf\u00e9\u20ac")).toBe('"caf\\xe9\\u20ac"');
  });
});
