/**
 * The userland test programs on the kernel: usertests (quick tier on both disk geometries, slow
 * tier), forktest, stressfs and zombie. After each run the disk must pass fsck.
 */
import { fsck, type GeometryName } from "@xv6ts/fs-journal";
import { describe, expect, it } from "vitest";
import { makeImage, Session } from "./session.js";

/** Boots an image of `geometry`, runs one command line, shuts down and checks the disk. */
async function runOnImage(line: string, geometry: GeometryName = "xv6") {
  const device = makeImage({ geometry, size: geometry === "xv6" ? 8000 : 4096 });
  const session = new Session({ device });
  await session.waitForConsoleWaits(1);
  const output = await session.command(line);
  await session.shutdown();
  const report = fsck(device);
  return { output, report, session };
}

describe("userland programs", () => {
  for (const geometry of ["xv6", "extended"] as const) {
    it(`usertests quick tier passes on ${geometry}`, async () => {
      const { output, report } = await runOnImage("usertests", geometry);
      expect(output).toContain("ALL TESTS PASSED");
      expect(output).not.toContain("FAILED");
      expect(report.problems).toEqual([]);
    });
  }

  it("usertests slow tier passes", { tags: ["slow"] }, async () => {
    const { output, report } = await runOnImage("usertests slow");
    expect(output).toContain("ALL TESTS PASSED");
    expect(report.problems).toEqual([]);
  });

  it("forktest forks to the limit and back", async () => {
    const { output } = await runOnImage("forktest");
    expect(output).toContain("fork test OK");
  });

  it("stressfs leaves a consistent disk", async () => {
    const { output, report } = await runOnImage("stressfs");
    expect(output).not.toContain("--kill proc");
    expect(output.endsWith("$ ")).toBe(true);
    expect(report.clean).toBe(true);
    expect(report.problems).toEqual([]);
  });

  it("zombie is reaped by init", async () => {
    const device = makeImage({ programs: ["init", "sh", "zombie"] });
    const session = new Session({ device });
    await session.waitForConsoleWaits(1);
    await session.command("zombie");
    await session.settle();
    const states = session.kernel.processes().map((p) => `${p.pid} ${p.state} ${p.name}`);
    expect(states).toEqual(["1 sleeping init", "2 sleeping sh"]);
    await session.shutdown();
  });
});
