import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { dataDirectory, defaultDiskPath } from "./data-dir";

describe("dataDirectory", () => {
  test("prefers XV6TS_HOME", () => {
    const env = { XV6TS_HOME: "/tmp/x", XDG_DATA_HOME: "/data", HOME: "/home/u" };
    expect(dataDirectory(env)).toBe("/tmp/x");
  });

  test("uses XDG_DATA_HOME/xv6ts next", () => {
    expect(dataDirectory({ XDG_DATA_HOME: "/data", HOME: "/home/u" })).toBe("/data/xv6ts");
  });

  test("ignores a relative XDG_DATA_HOME", () => {
    expect(dataDirectory({ XDG_DATA_HOME: "data", HOME: "/home/u" })).toBe(
      "/home/u/.local/share/xv6ts",
    );
  });

  test("falls back to ~/.local/share/xv6ts", () => {
    expect(dataDirectory({ HOME: "/home/u" })).toBe("/home/u/.local/share/xv6ts");
  });

  test("ignores an empty XV6TS_HOME", () => {
    expect(dataDirectory({ XV6TS_HOME: "", HOME: "/home/u" })).toBe("/home/u/.local/share/xv6ts");
  });
});

test("defaultDiskPath is disk.img in the data directory", () => {
  expect(defaultDiskPath({ XV6TS_HOME: "/tmp/x" })).toBe(join("/tmp/x", "disk.img"));
});
