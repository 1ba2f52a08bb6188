import { describe, expect, it } from "vitest";
import { ProcessTable } from "./proc.js";

describe("ProcessTable", () => {
  it("hands out pids from 1 and never reuses them", () => {
    const table = new ProcessTable(2);
    const first = table.alloc()!;
    const second = table.alloc()!;
    expect([first.pid, second.pid]).toEqual([1, 2]);
    table.free(first);
    expect(table.alloc()!.pid).toBe(3);
  });

  it("returns null when every slot is taken", () => {
    const table = new ProcessTable(1);
    expect(table.alloc()).not.toBeNull();
    expect(table.alloc()).toBeNull();
  });

  it("wakes only sleepers on the given channel", () => {
    const table = new ProcessTable(3);
    const channel = {};
    const [a, b, c] = [table.alloc()!, table.alloc()!, table.alloc()!];
    a.state = "sleeping";
    a.channel = channel;
    b.state = "sleeping";
    b.channel = {};
    c.state = "stopped";
    c.channel = channel;
    table.wakeup(channel);
    expect([a.state, b.state, c.state]).toEqual(["runnable", "sleeping", "stopped"]);
    expect(a.channel).toBeNull();
  });

  it("lists processes for ctrl-P with six-character states", () => {
    const table = new ProcessTable(8);
    const states = ["sleeping", "runnable", "running", "zombie", "stopped", "embryo"] as const;
    for (const state of states) {
      const process = table.alloc()!;
      process.state = state;
      process.name = `p${process.pid}`;
    }
    expect(table.dump()).toBe(
      "1 sleep  p1\n2 runble p2\n3 run    p3\n4 zombie p4\n5 stop   p5\n6 embryo p6\n",
    );
  });

  it("finds a process by pid", () => {
    const table = new ProcessTable(4);
    table.alloc();
    const second = table.alloc()!;
    expect(table.find(2)).toBe(second);
    expect(table.find(7)).toBeNull();
  });
});
