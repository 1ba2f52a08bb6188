import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import { BootFilter, ScriptLines } from "./script-mode";

describe("ScriptLines", () => {
  test("splits --exec values at newlines, in order", () => {
    const lines = ScriptLines.fromList(["ls", "echo a\necho b"]);
    expect([lines.next(), lines.next(), lines.next(), lines.next()]).toEqual([
      "ls",
      "echo a",
      "echo b",
      null,
    ]);
    expect(lines.usedUp).toBe(true);
  });

  test("collects stream lines across chunks and keeps a last line without newline", async () => {
    const stream = new PassThrough();
    const lines = ScriptLines.fromStream(stream);
    let changes = 0;
    lines.onChange(() => changes++);
    stream.write("ec");
    stream.write("ho a\r\nech");
    expect(lines.next()).toBe("echo a");
    expect(lines.next()).toBeNull();
    expect(lines.usedUp).toBe(false);

    const ended = new Promise((resolve) => stream.on("end", resolve));
    stream.end("o b");
    await ended;
    expect(lines.next()).toBe("echo b");
    expect(lines.usedUp).toBe(true);
    expect(changes).toBe(2);
  });
});

describe("BootFilter", () => {
  const bytes = (text: string) => Buffer.from(text, "latin1");
  const text = (data: Uint8Array) => Buffer.from(data).toString("latin1");

  test("drops everything up to the end of init's line", () => {
    const filter = new BootFilter();
    expect(text(filter.pass(bytes("xv6...\ncpu0: starting 0\n")))).toBe("");
    expect(text(filter.pass(bytes("sb: size 1000\ninit: star")))).toBe("");
    expect(text(filter.pass(bytes("ting sh\n$ ")))).toBe("$ ");
    expect(text(filter.pass(bytes("ls\n")))).toBe("ls\n");
  });

  test("passes everything once ended", () => {
    const filter = new BootFilter();
    filter.pass(bytes("xv6...\n"));
    filter.end();
    expect(text(filter.pass(bytes("my init\n")))).toBe("my init\n");
  });
});
