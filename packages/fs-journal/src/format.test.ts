import { describe, expect, test } from "vitest";
import { describeLayout, planSuperblock } from "./format";

describe("planSuperblock", () => {
  test("layout matches the real mkfs defaults", () => {
    const sb = planSuperblock("xv6", 1000, 200, 30);
    expect(sb).toEqual({
      size: 1000,
      nblocks: 941,
      ninodes: 200,
      nlog: 30,
      logstart: 2,
      inodestart: 32,
      bmapstart: 58,
    });
    expect(describeLayout("xv6", sb).datastart).toBe(59);
  });
});
