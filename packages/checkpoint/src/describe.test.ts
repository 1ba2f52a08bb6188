import { describe, expect, it } from "vitest";
import { sampleContents } from "../test/sample-image.js";
import { describeImage, formatSummary } from "./describe.js";
import { type CheckpointImage, encodeImage, parseImage } from "./format.js";

function sampleImage(): CheckpointImage {
  return { ...sampleContents(), version: { major: 1, minor: 0 }, skipped: [] };
}

const OK = { ok: true, problems: [] };

describe("formatSummary", () => {
  it("describes every part of an image", () => {
    const image = sampleImage();
    image.descriptors.push({
      fd: 5,
      kind: "pipe-write",
      readable: false,
      writable: true,
      sharesWith: null,
      inum: 0,
      offset: 0,
      major: 0,
      minor: 0,
      path: null,
    });
    expect(formatSummary(describeImage(image, OK))).toBe(
      [
        "checkpoint image, format version 1.0",
        "checksums: ok",
        "name: counter",
        "pid: 4 (parent 2)",
        "size: 20480 bytes",
        "pages: 5 present, 2 of them zero, 1 without user access",
        "state: blocked in sleep, 17 ticks left",
        "uptime: 1234 ticks",
        "registers: eip 0x2a1 esp 0x4fd0 ebp 0x4fe8 eflags 0x246",
        "           eax 0xd ebx 0x3 ecx 0xffffffff edx 0x2 esi 0x5 edi 0x6",
        "cwd: / (inode 1)",
        "descriptors: 5",
        "  fd 0: device 1/1 /console, read/write",
        "  fd 1: same open file as fd 0",
        "  fd 2: same open file as fd 0",
        "  fd 3: file /README (inode 12), read, offset 100",
        "  fd 5: pipe write end (closed on restart)",
        "",
      ].join("\n"),
    );
  });

  it("escapes bytes outside printable ASCII", () => {
    const image = sampleImage();
    image.process.name = "a\\b\xe9";
    image.cwd.path = "/t\x01";
    const text = formatSummary(describeImage(image, OK));
    expect(text).toContain("name: a\\x5cb\\xe9\n");
    expect(text).toContain("cwd: /t\\x01 (inode 1)\n");
    for (const char of text) expect(char === "\n" || (char >= " " && char <= "~")).toBe(true);
  });

  it("reports the first checksum problem of a damaged image", () => {
    const bytes = encodeImage(sampleContents());
    bytes[bytes.length - 10] ^= 1;
    const parsed = parseImage(bytes);
    if (!parsed.ok) throw new Error(parsed.reason);
    const summary = describeImage(parsed.image, parsed.checksums);
    expect(formatSummary(summary)).toContain(
      "checksums: BAD, record 11 (page at 0x4000) has a bad checksum\n",
    );
    expect(summary.checksums.ok).toBe(false);
  });

  it("names the state of a running process and one that saved itself", () => {
    const image = sampleImage();
    image.process.blockedSyscall = 0;
    image.process.sleepTicksRemaining = 0;
    expect(describeImage(image, OK).state).toBe("running");
    image.process.savedItself = true;
    expect(describeImage(image, OK).state).toBe("saved itself");
    image.process.savedItself = false;
    image.process.blockedSyscall = 99;
    expect(describeImage(image, OK).state).toBe("blocked in call 99");
  });

  it("lists skipped records", () => {
    const image = sampleImage();
    image.skipped.push({ kind: 900, length: 5 });
    expect(formatSummary(describeImage(image, OK))).toContain("skipped records: kind 900\n");
  });
});
