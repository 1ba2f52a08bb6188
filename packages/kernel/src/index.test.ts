import { describe, expect, it } from "vitest";
import { SYSCALL_NAMES } from "./index";

describe("system call numbers", () => {
  it("match xv6", () => {
    expect(SYSCALL_NAMES.indexOf("fork")).toBe(1);
    expect(SYSCALL_NAMES.indexOf("exec")).toBe(7);
    expect(SYSCALL_NAMES.indexOf("close")).toBe(21);
  });
});
