import { describe, expect, it } from "vitest";
import { lastPathElement, resolvePath } from "./path.js";

describe("resolvePath", () => {
  it("keeps an absolute path", () => {
    expect(resolvePath("/a", "/b/c")).toBe("/b/c");
  });

  it("joins a relative path to the working directory", () => {
    expect(resolvePath("/a/b", "c")).toBe("/a/b/c");
  });

  it("folds dot, dot-dot and repeated slashes", () => {
    expect(resolvePath("/a/b", "./../c//d/.")).toBe("/a/c/d");
  });

  it("stops dot-dot at the root", () => {
    expect(resolvePath("/", "../../x")).toBe("/x");
    expect(resolvePath("/a", "..")).toBe("/");
  });
});

describe("lastPathElement", () => {
  it("returns the name after the last slash", () => {
    expect(lastPathElement("/bin/usertests", 15)).toBe("usertests");
    expect(lastPathElement("sh", 15)).toBe("sh");
  });

  it("truncates to the maximum length", () => {
    expect(lastPathElement("/a/abcdefghijklmnopq", 15)).toBe("abcdefghijklmno");
  });
});
