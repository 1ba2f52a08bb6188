/**
 * A working directory removed while the shell stands in it: creating, making a directory or
 * linking there fails, ".." there names nothing once the parent is gone too, and the disk passes
 * fsck with the removed directory's inode freed once the shell leaves it.
 */
import { fsck } from "@xv6ts/fs-journal";
import { describe, expect, it } from "vitest";
import { makeImage, Session } from "./session.js";

const PROGRAMS = ["init", "sh", "mkdir", "rm", "echo", "ls", "ln"];

/** Boots a small image, runs each line in sh, shuts down; returns outputs and fsck reports. */
async function runLines(lines: string[]) {
  const device = makeImage({ programs: PROGRAMS });
  const fresh = fsck(device).counts;
  const session = new Session({ device });
  await session.waitForConsoleWaits(1);
  const outputs: string[] = [];
  for (const line of lines) outputs.push(await session.command(line));
  await session.shutdown();
  // init adds /console, a device inode with no blocks.
  const expected = { ...fresh, inodes: fresh.inodes + 1, devices: fresh.devices + 1 };
  return { outputs, expected, report: fsck(device) };
}

describe("removed working directory", () => {
  it("rejects new entries and leaves fsck clean", async () => {
    const { outputs, expected, report } = await runLines([
      "mkdir /g",
      "cd /g",
      "rm /g",
      "echo hi > f",
      "mkdir x",
      "ln /echo e",
      "cd /",
    ]);
    expect(outputs.slice(3)).toEqual([
      "echo hi > f\nopen f failed\n$ ",
      "mkdir x\nmkdir: cannot create x\n$ ",
      "ln /echo e\nln: cannot link e to /echo\n$ ",
      "cd /\n$ ",
    ]);
    expect(report.problems).toEqual([]);
    expect(report.counts).toEqual(expected);
  });

  it("is freed when the shell leaves it", async () => {
    const { outputs, report } = await runLines([
      "mkdir /g",
      "cd /g",
      "rm /g",
      "ls",
      "cd /",
      "echo hi > /h",
      "ls /h",
    ]);
    // The removed directory was inode 10; the next file gets it back.
    expect(outputs[3]).toBe("ls\n.              1 10 32\nls: cannot stat ./..\n$ ");
    expect(outputs[6]).toBe("ls /h\nh              2 10 3\n$ ");
    expect(report.problems).toEqual([]);
  });

  it("has no .. once its parent is removed", async () => {
    const { outputs, expected, report } = await runLines([
      "mkdir /a",
      "mkdir /a/b",
      "cd /a/b",
      "rm /a/b",
      "rm /a",
      "cd ..",
      "mkdir ../c",
      "cd /",
    ]);
    expect(outputs.slice(5)).toEqual([
      "cd ..\ncd: cannot change directory to ..\n$ ",
      "mkdir ../c\nmkdir: cannot create ../c\n$ ",
      "cd /\n$ ",
    ]);
    expect(report.problems).toEqual([]);
    expect(report.counts).toEqual(expected);
  });
});
