/**
 * Standard output that cannot be written, run as a user would: `> /dev/full` (every write fails
 * with ENOSPC) and a pipe whose reader has gone (EPIPE). Every command exits non-zero with one
 * sentence and no stack trace, or 141 for a closed pipe, and `run` still shuts the disk down
 * cleanly.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../src/index";
import { CLI_DIR, memoryIo, runXv6ts, temporaryFolder, xv6tsCommand } from "./helpers";

let folder: ReturnType<typeof temporaryFolder>;
let env: Record<string, string>;
let disk: string;

beforeAll(async () => {
  folder = temporaryFolder();
  env = { XV6TS_HOME: join(folder.path, "home") };
  disk = join(folder.path, "disk.img");
  expect(await runCli(["mkfs", disk, "--size", "8M"], memoryIo(env).io)).toBe(0);
});

afterAll(() => folder.remove());

const FULL_SENTENCE =
  "xv6ts: cannot write to standard output: the host disk is full (ENOSPC); send the output to a file or program that can take it\n";

describe.skipIf(!existsSync("/dev/full"))("output to /dev/full", () => {
  /** Runs xv6ts with standard output on /dev/full. */
  async function intoFull(...args: string[]) {
    const full = openSync("/dev/full", "w");
    try {
      return await runXv6ts(args, { env, stdoutFd: full });
    } finally {
      closeSync(full);
    }
  }

  test.each([[["cat", "DISK:/echo"]], [["ls", "DISK"]], [["--help"]], [["fsck", "DISK"]]])(
    "fails %j with one sentence",
    async (args) => {
      const result = await intoFull(...args.map((arg) => arg.replace("DISK", disk)));
      expect(result.stderr).toBe(FULL_SENTENCE);
      expect(result.code).toBe(1);
    },
  );

  test("stops run cleanly with one sentence", async () => {
    const result = await intoFull("run", "--disk", disk, "--quiet-boot", "--exec", "ls");
    expect(result.stderr).toBe(FULL_SENTENCE);
    expect(result.code).toBe(1);
    expect(existsSync(`${disk}.lock`)).toBe(false);
    expect(await runCli(["fsck", disk], memoryIo(env).io)).toBe(0);
  });
});

describe("output to a closed pipe", () => {
  test("ends an image tool with 141 and no message", async () => {
    const [command, ...prefix] = xv6tsCommand();
    const child = spawn(command!, [...prefix, "cat", `${disk}:/usertests`], {
      cwd: CLI_DIR,
      env: { PATH: process.env.PATH!, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // The reader goes away before tsx has even loaded the command.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(141);
  });
});
