import { describe, expect, test } from "vitest";
import { describePages, type EditorEvent, hexDump, LineEditor, pteFlags } from "./monitor";

/** Feeds `keys` to a new editor; returns its events and everything it echoed. */
function typeInto(keys: string): { events: EditorEvent[]; echo: string } {
  let echo = "";
  const editor = new LineEditor((text) => {
    echo += text;
  });
  const events: EditorEvent[] = [];
  for (const byte of Buffer.from(keys, "latin1")) {
    const event = editor.key(byte);
    if (event !== null) events.push(event);
  }
  return { events, echo };
}

describe("LineEditor", () => {
  test("submits a line on Enter with its echo", () => {
    expect(typeInto("ps\r")).toEqual({ events: [{ type: "line", line: "ps" }], echo: "ps\n" });
  });

  test("erases a character on DEL and backspace", () => {
    const { events, echo } = typeInto("psx\x7fy\x08\r");
    expect(events).toEqual([{ type: "line", line: "ps" }]);
    expect(echo).toBe("psx\b \by\b \b\n");
  });

  test("erases the line on ctrl-U and a word on ctrl-W", () => {
    expect(typeInto("junk\x15ps\r").events).toEqual([{ type: "line", line: "ps" }]);
    expect(typeInto("info 12\x17\x174\r").events).toEqual([{ type: "line", line: "4" }]);
  });

  test("drops the line on ctrl-C and prompts again", () => {
    const { events, echo } = typeInto("junk\x03ps\r");
    expect(events).toEqual([{ type: "line", line: "ps" }]);
    expect(echo).toBe("junk^C\n(xv6ts) ps\n");
  });

  test("closes on ctrl-D only when the line is empty", () => {
    expect(typeInto("\x04").events).toEqual([{ type: "close" }]);
    expect(typeInto("p\x04s\r").events).toEqual([{ type: "line", line: "ps" }]);
  });

  test("closes on ctrl-A c and quits on ctrl-A x", () => {
    expect(typeInto("\x01c").events).toEqual([{ type: "close" }]);
    expect(typeInto("\x01x").events).toEqual([{ type: "quit" }]);
    expect(typeInto("\x01q\r").events).toEqual([{ type: "line", line: "" }]);
  });

  test("ignores arrow keys and other escape sequences", () => {
    expect(typeInto("p\x1b[A\x1b[1;5Cs\x1bOB\r").events).toEqual([{ type: "line", line: "ps" }]);
  });
});

describe("memory map lines", () => {
  test("pteFlags shows set bits as letters", () => {
    expect(pteFlags(0x067)).toBe("PWUAD");
    expect(pteFlags(0x003)).toBe("PW---");
    expect(pteFlags(0x025)).toBe("P-UA-");
  });

  test("describePages joins neighbours with the same flags", () => {
    const pages = [
      { va: 0x0000, pa: 0x10000, flags: 0x67 },
      { va: 0x1000, pa: 0x20000, flags: 0x67 },
      { va: 0x2000, pa: 0x30000, flags: 0x07 },
      { va: 0x3000, pa: 0x40000, flags: 0x03 },
      { va: 0x5000, pa: 0x50000, flags: 0x07 },
    ];
    expect(describePages(pages)).toEqual([
      "  0x00000000-0x00001fff      2 pages  PWUAD",
      "  0x00002000-0x00002fff      1 page   PWU--",
      "  0x00003000-0x00003fff      1 page   PW---  (no user access: the stack guard page)",
      "  0x00005000-0x00005fff      1 page   PWU--",
    ]);
  });
});

test("hexDump prints 16 bytes a line with their characters", () => {
  const bytes = Buffer.from("Hello, xv6!\x00\x01\x02\x7fABCDEFGH", "latin1");
  expect(hexDump(0x1000, bytes)).toBe(
    [
      "00001000  48 65 6c 6c 6f 2c 20 78 76 36 21 00 01 02 7f 41  |Hello, xv6!....A|",
      "00001010  42 43 44 45 46 47 48                             |BCDEFGH|",
    ].join("\n"),
  );
});
