import { describe, expect, test } from "vitest";
import { CliError } from "./errors";
import {
  formatDuration,
  formatSize,
  formatSizeOption,
  GiB,
  KiB,
  MiB,
  parseDuration,
  parseMemorySize,
  parseSize,
} from "./sizes";

describe("parseSize", () => {
  test.each([
    ["4096", 4096],
    ["512K", 512 * KiB],
    ["512k", 512 * KiB],
    ["64M", 64 * MiB],
    ["64MiB", 64 * MiB],
    ["1G", GiB],
    ["1gib", GiB],
    ["100b", 100],
  ])("parses %s", (text, bytes) => {
    expect(parseSize(text, "--size")).toBe(bytes);
  });

  test.each(["", "64X", "64MB", "1.5M", "-1M", "M", "64 M B"])("rejects %j", (text) => {
    expect(() => parseSize(text, "--size")).toThrow(CliError);
  });

  test("names the option and the value in its error", () => {
    expect(() => parseSize("64X", "--size")).toThrow(
      'invalid size "64X" for --size; use bytes or a whole number with K, M or G (binary units), like 64M',
    );
  });
});

describe("parseMemorySize", () => {
  test.each([
    ["8M", 8 * MiB],
    ["224M", 224 * MiB],
    ["256M", 256 * MiB],
    ["32M", 32 * MiB],
  ])("accepts %s", (text, bytes) => {
    expect(parseMemorySize(text)).toBe(bytes);
  });

  test.each(["0", "4M", "6M", "260M", "1G", "10M", "lots"])("rejects %s with the rule", (text) => {
    expect(() => parseMemorySize(text)).toThrow(
      `invalid memory size "${text}" for --mem; use a multiple of 4M from 8M to 256M, like 224M (the default)`,
    );
  });
});

describe("parseDuration", () => {
  test.each([
    ["500", 500],
    ["500ms", 500],
    ["2s", 2000],
    ["1.5s", 1500],
    ["1m", 60_000],
  ])("parses %s", (text, ms) => {
    expect(parseDuration(text, "--settle")).toBe(ms);
  });

  test.each(["", "2h", "fast", "-1s"])("rejects %j", (text) => {
    expect(() => parseDuration(text, "--settle")).toThrow(/for --settle; use milliseconds/);
  });

  test("accepts the longest timer Node keeps", () => {
    expect(parseDuration("2147483647", "--timeout")).toBe(2_147_483_647);
  });

  test.each(["2147483648", "36000m", "3000000s"])("rejects %s above the maximum", (text) => {
    expect(() => parseDuration(text, "--timeout")).toThrow(
      `the duration "${text}" for --timeout is too long; use at most 2147483647 ms (about 24.8 days, the longest timer Node keeps), like 60s`,
    );
  });
});

describe("formatting", () => {
  test("formatSizeOption writes a value --size takes", () => {
    expect(formatSizeOption(8 * GiB)).toBe("8G");
    expect(formatSizeOption(32128 * MiB)).toBe("32128M");
    expect(formatSizeOption(201 * KiB)).toBe("201K");
    expect(formatSizeOption(1000)).toBe("1000");
  });

  test("formatSize picks the largest exact unit", () => {
    expect(formatSize(64 * MiB)).toBe("64 MiB");
    expect(formatSize(GiB)).toBe("1 GiB");
    expect(formatSize(100 * KiB)).toBe("100 KiB");
    expect(formatSize(1536)).toBe("1.5 KiB");
    expect(formatSize(100)).toBe("100 B");
  });

  test("formatDuration uses seconds for whole tenths", () => {
    expect(formatDuration(500)).toBe("500 ms");
    expect(formatDuration(60_000)).toBe("60 s");
    expect(formatDuration(1500)).toBe("1.5 s");
  });
});
