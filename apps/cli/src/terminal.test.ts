import { expect, test } from "vitest";
import { toTerminalNewlines } from "./terminal";

test("toTerminalNewlines sends each LF as CR LF", () => {
  const out = toTerminalNewlines(Buffer.from("a\nb\n\n", "latin1"));
  expect(Buffer.from(out).toString("latin1")).toBe("a\r\nb\r\n\r\n");
});

test("toTerminalNewlines returns text without LF unchanged", () => {
  const input = Buffer.from("$ ", "latin1");
  expect(toTerminalNewlines(input)).toBe(input);
});
