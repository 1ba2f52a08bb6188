import { describe, expect, it } from "vitest";
import { xv6Layout } from "./index";

describe("xv6Layout", () => {
  it("matches the real mkfs defaults", () => {
    expect(xv6Layout(1000, 200, 30)).toEqual({
      logstart: 2,
      inodestart: 32,
      bmapstart: 58,
      datastart: 59,
      nblocks: 941,
    });
  });
});
