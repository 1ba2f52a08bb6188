import { describe, expect, it } from "vitest";
import { Clock } from "./clock.js";

describe("Clock", () => {
  it("ticks after each instructionsPerTick instructions in deterministic mode", () => {
    const clock = new Clock({ mode: "deterministic", instructionsPerTick: 100 });
    expect(clock.budget()).toBe(100);
    expect(clock.advance(60)).toBe(false);
    expect(clock.budget()).toBe(40);
    expect(clock.advance(40)).toBe(true);
    expect(clock.ticks).toBe(1);
    expect(clock.budget()).toBe(100);
  });

  it("jumps forward to a deadline but never back", () => {
    const clock = new Clock({ mode: "deterministic", instructionsPerTick: 100 });
    clock.advance(30);
    clock.jumpTo(5);
    expect(clock.ticks).toBe(5);
    expect(clock.budget()).toBe(100);
    clock.jumpTo(2);
    expect(clock.ticks).toBe(5);
  });

  it("rejects an instruction count per tick that is not positive", () => {
    expect(() => new Clock({ mode: "deterministic", instructionsPerTick: 0 })).toThrow(
      "instructionsPerTick must be a positive integer, got 0",
    );
  });
});
