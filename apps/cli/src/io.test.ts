import { expect, test } from "vitest";
import { colorEnabled, colorsFor } from "./io";

const terminal = { write: () => true, isTTY: true };
const pipe = { write: () => true };

test("colour is on only for a terminal", () => {
  expect(colorEnabled(terminal, {})).toBe(true);
  expect(colorEnabled(pipe, {})).toBe(false);
});

test("NO_COLOR and TERM=dumb turn colour off", () => {
  expect(colorEnabled(terminal, { NO_COLOR: "1" })).toBe(false);
  expect(colorEnabled(terminal, { TERM: "dumb" })).toBe(false);
  expect(colorEnabled(terminal, { NO_COLOR: "" })).toBe(true);
});

test("colorsFor returns plain text when colour is off", () => {
  expect(colorsFor(pipe, {}).red("x")).toBe("x");
  expect(colorsFor(terminal, {}).red("x")).toBe("\x1b[31mx\x1b[39m");
});
