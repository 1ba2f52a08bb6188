/**
 * The main job, end to end, as a user runs it: boot, start `counter`, checkpoint it, kill it,
 * shut down, boot again, restart it, and the count carries on from the number after the last
 * one printed before the checkpoint. Then the same across disks: the image is moved with
 * `xv6ts image migrate`, or exported to a host file and imported, and restarted there.
 *
 * These runs use script mode with the deterministic clock, so what each session prints is the
 * same on every run and the check is exact. The real-time, interactive version of the scenario
 * runs in a pseudo-terminal in terminal-main-job.test.ts.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../src/index";
import { memoryIo, runXv6ts, temporaryFolder } from "./helpers";

let folder: ReturnType<typeof temporaryFolder>;
let env: Record<string, string>;
let imageCount = 0;

beforeAll(() => {
  folder = temporaryFolder();
  env = { XV6TS_HOME: join(folder.path, "home") };
});

afterAll(() => folder.remove());

async function freshImage(): Promise<string> {
  const path = join(folder.path, `disk-${++imageCount}.img`);
  expect(await runCli(["mkfs", path, "--size", "8M"], memoryIo(env).io)).toBe(0);
  return path;
}

async function cli(...args: string[]) {
  const memory = memoryIo(env);
  const code = await runCli(args, memory.io);
  return { code, stdout: memory.stdout(), stderr: memory.stderr() };
}

/** Runs one deterministic script session on `disk`; returns what it printed. */
async function session(disk: string, lines: string[]): Promise<string> {
  const args = ["run", "--disk", disk, "--deterministic", "--quiet-boot", "--timeout", "60s"];
  for (const line of lines) args.push("--exec", line);
  const result = await runXv6ts(args, { env });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return result.stdout;
}

/** Returns the numbers of the "counter: N" lines in `text`, in order. */
function counts(text: string): number[] {
  return [...text.matchAll(/^counter: (\d+)$/gm)].map((match) => Number(match[1]));
}

/** Session one: counter runs as pid 4, is saved to /c4 and killed. Returns the last count. */
async function checkpointCounter(disk: string): Promise<number> {
  const output = await session(disk, ["counter &", "sleep 100", "checkpoint 4 /c4", "kill 4"]);
  const beforeCheckpoint = output.slice(0, output.indexOf("$ checkpoint 4 /c4"));
  const printed = counts(beforeCheckpoint);
  expect(printed.length).toBeGreaterThan(2);
  expect(printed).toEqual(printed.map((_, i) => i + 1));
  expect(counts(output)).toEqual(printed);
  return printed.at(-1)!;
}

/** Session two: restarts /c4 in the background (it becomes pid 4) and kills it later. */
async function restartCounter(disk: string): Promise<number[]> {
  const output = await session(disk, ["restart /c4 &", "sleep 60", "kill 4"]);
  expect(output).not.toContain("failed");
  return counts(output);
}

describe("the main job", () => {
  test("restart carries the count on after a reboot", async () => {
    const disk = await freshImage();
    const last = await checkpointCounter(disk);
    const carried = await restartCounter(disk);
    expect(carried.length).toBeGreaterThan(1);
    expect(carried).toEqual(carried.map((_, i) => last + 1 + i));
    expect((await cli("fsck", disk)).code).toBe(0);
  });

  test("image migrate moves the process to another disk", async () => {
    const first = await freshImage();
    const second = await freshImage();
    const last = await checkpointCounter(first);

    const migrated = await cli("image", "migrate", `${first}:/c4`, `${second}:/c4`);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toBe(
      `copied ${first}:/c4 to ${second}:/c4; "restart /c4" there carries on the process\n`,
    );
    expect((await restartCounter(second))[0]).toBe(last + 1);
    expect((await cli("fsck", second)).code).toBe(0);
  });

  test("export and import move the process through a host file", async () => {
    const first = await freshImage();
    const second = await freshImage();
    const last = await checkpointCounter(first);
    const hostFile = join(folder.path, "counter.ckpt");

    const exported = await cli("image", "export", `${first}:/c4`, hostFile);
    expect(exported.code).toBe(0);
    const imported = await cli("image", "import", hostFile, `${second}:/`);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toBe(
      `imported ${hostFile} to ${second}:/counter.ckpt; "restart /counter.ckpt" there carries on the process\n`,
    );
    const output = await session(second, ["restart /counter.ckpt &", "sleep 60", "kill 4"]);
    expect(counts(output)[0]).toBe(last + 1);
  });
});
