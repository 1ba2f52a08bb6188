import { describe, expect, it } from "vitest";
import { EAX, EDI, ESP, REGISTER_NAMES } from "./index";

describe("register numbering", () => {
  it("follows the ModRM encoding order", () => {
    expect(REGISTER_NAMES[EAX]).toBe("eax");
    expect(REGISTER_NAMES[ESP]).toBe("esp");
    expect(REGISTER_NAMES[EDI]).toBe("edi");
  });
});
