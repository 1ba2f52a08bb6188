import { describe, expect, it } from "vitest";
import { Console } from "./console.js";

function makeConsole() {
  const printed: number[] = [];
  const console = new Console(
    (bytes) => printed.push(...bytes),
    () => "1 sleep  init\n",
  );
  const typed = (text: string) => console.input(Buffer.from(text, "latin1"));
  const readAll = (max = 100) => {
    const { bytes, consumed } = console.peek(max);
    console.consume(consumed);
    return Buffer.from(bytes).toString("latin1");
  };
  const echo = () => Buffer.from(printed).toString("latin1");
  return { console, typed, readAll, echo };
}

describe("Console line discipline", () => {
  it("echoes and commits a line on newline", () => {
    const { console, typed, readAll, echo } = makeConsole();
    expect(typed("ls")).toBe(false);
    expect(console.hasReadyInput()).toBe(false);
    expect(typed("\n")).toBe(true);
    expect(echo()).toBe("ls\n");
    expect(readAll()).toBe("ls\n");
    expect(console.hasReadyInput()).toBe(false);
  });

  it("turns carriage return into newline", () => {
    const { typed, readAll, echo } = makeConsole();
    typed("a\r");
    expect(echo()).toBe("a\n");
    expect(readAll()).toBe("a\n");
  });

  it("ignores NUL bytes without echo", () => {
    const { typed, readAll, echo } = makeConsole();
    typed("a\0b\n");
    expect(echo()).toBe("ab\n");
    expect(readAll()).toBe("ab\n");
  });

  it("erases one character on backspace and DEL", () => {
    const { typed, readAll, echo } = makeConsole();
    typed("abc\x08d\x7fe\n");
    expect(echo()).toBe("abc\b \bd\b \be\n");
    expect(readAll()).toBe("abe\n");
  });

  it("erases nothing on backspace at the start of a line", () => {
    const { typed, readAll, echo } = makeConsole();
    typed("x\n\x08y\n");
    expect(echo()).toBe("x\n" + "y\n");
    expect(readAll()).toBe("x\n");
    expect(readAll()).toBe("y\n");
  });

  it("erases the typed line on ctrl-U", () => {
    const { typed, readAll, echo } = makeConsole();
    typed("one\nab\x15c\n");
    expect(echo()).toBe("one\nab\b \b\b \bc\n");
    expect(readAll()).toBe("one\n");
    expect(readAll()).toBe("c\n");
  });

  it("returns at most one line per read", () => {
    const { typed, readAll } = makeConsole();
    typed("a\nbb\n");
    expect(readAll()).toBe("a\n");
    expect(readAll()).toBe("bb\n");
  });

  it("returns no more than the requested bytes", () => {
    const { typed, readAll } = makeConsole();
    typed("hello\n");
    expect(readAll(2)).toBe("he");
    expect(readAll(10)).toBe("llo\n");
  });

  it("leaves ctrl-D after bytes for the next read", () => {
    const { console, typed, readAll, echo } = makeConsole();
    expect(typed("ab\x04")).toBe(true);
    expect(echo()).toBe("ab\x04");
    expect(readAll()).toBe("ab");
    expect(console.hasReadyInput()).toBe(true);
    expect(readAll()).toBe("");
    expect(console.hasReadyInput()).toBe(false);
  });

  it("reads end of file on ctrl-D at an empty line", () => {
    const { console, typed, readAll } = makeConsole();
    typed("\x04");
    expect(console.hasReadyInput()).toBe(true);
    expect(readAll()).toBe("");
    expect(console.hasReadyInput()).toBe(false);
  });

  it("prints the process list on ctrl-P without echo or storage", () => {
    const { console, typed, echo } = makeConsole();
    typed("a\x10b");
    expect(echo()).toBe("ab1 sleep  init\n");
    expect(console.hasReadyInput()).toBe(false);
  });

  it("commits when the buffer fills and drops further bytes", () => {
    const { console, typed, readAll, echo } = makeConsole();
    expect(typed("x".repeat(127))).toBe(false);
    expect(typed("y")).toBe(true);
    expect(typed("zz\n")).toBe(false);
    expect(echo()).toBe(`${"x".repeat(127)}y`);
    expect(console.hasReadyInput()).toBe(true);
    expect(readAll(200)).toBe(`${"x".repeat(127)}y`);
    expect(typed("q\n")).toBe(true);
    expect(readAll()).toBe("q\n");
  });

  it("keeps a full buffer's bytes from being erased", () => {
    const { typed, readAll } = makeConsole();
    typed("k".repeat(128));
    typed("\x08\x15");
    expect(readAll(200)).toBe("k".repeat(128));
  });
});
