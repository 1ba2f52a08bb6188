import { describe, expect, test } from "vitest";
import { normalizeImagePath, parseDiskArgument, parseImagePath } from "./image-path";

describe("parseImagePath", () => {
  test.each([
    ["disk.img:/c3", { disk: "disk.img", path: "/c3" }],
    ["/tmp/disk.img:/a/b", { disk: "/tmp/disk.img", path: "/a/b" }],
    ["disk.img:", { disk: "disk.img", path: "/" }],
    ["disk.img:/", { disk: "disk.img", path: "/" }],
    ["a:b.img:/x", { disk: "a:b.img", path: "/x" }],
  ])("splits %s", (argument, expected) => {
    expect(parseImagePath(argument)).toEqual(expected);
  });

  test.each(["disk.img", "/tmp/file.txt", "a:b", ":/x", "./notes:txt"])(
    "treats %s as a host path",
    (argument) => {
      expect(parseImagePath(argument)).toBeNull();
    },
  );
});

describe("parseDiskArgument", () => {
  test("means the root for a bare disk file", () => {
    expect(parseDiskArgument("disk.img")).toEqual({ disk: "disk.img", path: "/" });
  });
});

describe("normalizeImagePath", () => {
  test.each([
    ["/", "/"],
    ["/.", "/"],
    ["/./", "/"],
    ["/d/..", "/"],
    ["/d/../", "/"],
    ["/d/./..", "/"],
    ["/..", "/"],
    ["//a//b/", "/a/b"],
    ["/a/b/../c/.", "/a/c"],
  ])("resolves %s to %s", (path, expected) => {
    expect(normalizeImagePath(path)).toBe(expected);
  });
});
