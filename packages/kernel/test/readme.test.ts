/**
 * The README's usage script, run as written: it boots an image, types commands when sh waits and
 * prints what the console showed.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";

describe("README usage script", () => {
  it("matches test/readme-example.ts", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    const firstBlock = readme.split("```ts\n")[1]!.split("```")[0];
    expect(firstBlock).toBe(example);
  });

  it("prints the commands' output", async () => {
    const printed: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((text: string) => {
      printed.push(text);
    });
    try {
      await import("./readme-example.js");
    } finally {
      log.mockRestore();
    }
    const output = printed.join("");
    expect(output).toContain("init: starting sh\n$ echo hello xv6\nhello xv6\n$ mkdir d\n$ ls d\n");
    expect(output).toMatch(/\$ ls d\n\. +1 \d+ \d+\n\.\. +1 1 \d+\n\$ $/);
  });
});
