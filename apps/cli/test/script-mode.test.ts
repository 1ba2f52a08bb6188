/**
 * Script mode, run as a user would: the real `xv6ts` command from source, on disk images in a
 * temporary folder, with XV6TS_HOME pointed there too.
 */
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { programNames } from "@xv6ts/userland";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../src/index";
import { CLI_DIR, memoryIo, runXv6ts, temporaryFolder, xv6tsCommand } from "./helpers";

let folder: ReturnType<typeof temporaryFolder>;
let env: Record<string, string>;
let imageCount = 0;

beforeAll(() => {
  folder = temporaryFolder();
  env = { XV6TS_HOME: join(folder.path, "home") };
});

afterAll(() => folder.remove());

/** Makes a fresh bootable 8 MiB image in-process and returns its path. */
async function freshImage(): Promise<string> {
  const path = join(folder.path, `disk-${++imageCount}.img`);
  const memory = memoryIo(env);
  expect(await runCli(["mkfs", path, "--size", "8M"], memory.io)).toBe(0);
  return path;
}

/** Runs the in-process CLI for checks on the image after a script. */
async function cli(...args: string[]) {
  const memory = memoryIo(env);
  const code = await runCli(args, memory.io);
  return { code, stdout: memory.stdout(), stderr: memory.stderr() };
}

describe("script mode", () => {
  test("runs ls and prints the boot lines first", async () => {
    const disk = await freshImage();
    const result = await runXv6ts(["run", "--disk", disk, "--timeout", "30s", "--exec", "ls"], {
      env,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const lines = result.stdout.split("\n");
    expect(lines.slice(0, 5)).toEqual([
      "xv6...",
      "cpu0: starting 0",
      "sb: size 2048 nblocks 1784 ninodes 256 nlog 257 logstart 1 inodestart 258 bmap start 263",
      "init: starting sh",
      "$ ls",
    ]);
    const names = lines.slice(5, -1).map((line) => line.split(/\s+/)[0]);
    expect(names).toEqual([".", "..", ...programNames(), "console"]);
    expect(lines.at(-1)).toBe("$ ");
  });

  test("drops the boot lines with --quiet-boot", async () => {
    const disk = await freshImage();
    const result = await runXv6ts(
      ["run", "--disk", disk, "--timeout", "30s", "--quiet-boot", "--exec", "echo hello xv6"],
      { env },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("$ echo hello xv6\nhello xv6\n$ ");
  });

  test("runs cat on a file copied in from the host", async () => {
    const disk = await freshImage();
    const host = join(folder.path, "notes.txt");
    writeFileSync(host, "first line\nsecond line\n");
    expect((await cli("cp", host, `${disk}:/notes`)).code).toBe(0);
    const result = await runXv6ts(
      ["run", "--disk", disk, "--timeout", "30s", "--quiet-boot", "--exec", "cat notes"],
      {
        env,
      },
    );
    expect(result.stdout).toBe("$ cat notes\nfirst line\nsecond line\n$ ");
  });

  test("runs pipes and ; lists in one line", async () => {
    const disk = await freshImage();
    const result = await runXv6ts(
      [
        "run",
        "--disk",
        disk,
        "--quiet-boot",
        "--exec",
        "echo one two three | wc; echo a | cat | cat",
      ],
      { env },
    );
    expect(result.stdout).toBe("$ echo one two three | wc; echo a | cat | cat\n1 3 14 \na\n$ ");
  });

  test("types a line longer than the console buffer in pieces", async () => {
    const disk = await freshImage();
    const word = "x".repeat(300);
    const result = await runXv6ts(
      ["run", "--disk", disk, "--timeout", "30s", "--quiet-boot", "--exec", `echo ${word}`],
      { env },
    );
    expect(result.stdout).toBe(`$ echo ${word}\n${word}\n$ `);
  });

  test("reads the script from standard input", async () => {
    const disk = await freshImage();
    const result = await runXv6ts(["run", "--disk", disk, "--quiet-boot"], {
      env,
      input: "echo a\r\necho b\n",
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("$ echo a\na\n$ echo b\nb\n$ ");
  });

  test("keeps what the script wrote on the disk", async () => {
    const disk = await freshImage();
    const result = await runXv6ts(
      [
        "run",
        "--disk",
        disk,
        "--timeout",
        "30s",
        "--quiet-boot",
        "--exec",
        "mkdir d",
        "--exec",
        "echo kept > d/f",
      ],
      { env },
    );
    expect(result.code).toBe(0);
    expect((await cli("cat", `${disk}:/d/f`)).stdout).toBe("kept\n");
    expect((await cli("fsck", disk)).code).toBe(0);
    expect(existsSync(`${disk}.lock`)).toBe(false);
  });

  test("passes the usertests quick tier", { tags: ["slow"] }, async () => {
    const disk = await freshImage();
    const result = await runXv6ts(
      [
        "run",
        "--disk",
        disk,
        "--timeout",
        "30s",
        "--quiet-boot",
        "--deterministic",
        "--exec",
        "usertests",
      ],
      { env },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\nALL TESTS PASSED\n\$ $/);
    expect(result.stdout).not.toMatch(/FAIL/);
  });

  test("shares the console with a background reader", async () => {
    // memhog reads commands from the console once it has filled its memory. Every reader waits
    // on the one console buffer, as on real xv6, so lines typed for sh may reach memhog instead.
    const disk = await freshImage();
    const result = await runXv6ts(
      [
        "run",
        "--disk",
        disk,
        "--quiet-boot",
        "--deterministic",
        "--exec",
        "memhog 1 &",
        "--exec",
        "sleep 100",
        "--exec",
        "echo a",
        "--exec",
        "q",
        "--exec",
        "echo b",
      ],
      { env },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        "$ memhog 1 &",
        "$ sleep 100",
        "memhog: filled 1 MiB at 0x4000, seed 1",
        "memhog: unknown command; type v to verify or q to quit",
        "echo a",
        "memhog: unknown command; type v to verify or q to quit",
        "q",
        "echo b",
        "b",
        "$ ",
      ].join("\n"),
    );
  });

  test("exits 124 at the timeout and shuts the disk down cleanly", async () => {
    const disk = await freshImage();
    const result = await runXv6ts(
      ["run", "--disk", disk, "--quiet-boot", "--timeout", "1500ms", "--exec", "counter &"],
      { env },
    );
    expect(result.code).toBe(124);
    expect(result.stdout.startsWith("$ counter &\n")).toBe(true);
    expect(result.stdout).toContain("counter: 1\n");
    expect(result.stdout).toContain("counter: 2\n");
    expect(result.stderr).toBe(
      "xv6ts: timed out after 1.5 s (--timeout) because the console did not settle; exit status 124\n",
    );
    expect((await cli("fsck", disk)).code).toBe(0);
    expect(existsSync(`${disk}.lock`)).toBe(false);
  });

  test("stops cleanly with 141 when its output is closed", async () => {
    const disk = await freshImage();
    const [command, ...prefix] = xv6tsCommand();
    const child = spawn(
      command!,
      [...prefix, "run", "--disk", disk, "--quiet-boot", "--exec", "counter &"],
      { cwd: CLI_DIR, env: { PATH: process.env.PATH!, ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(141);
    expect(stderr).toBe("");
    expect(existsSync(`${disk}.lock`)).toBe(false);
    expect((await cli("fsck", disk)).code).toBe(0);
  });

  test("makes the default disk on first use and says where", async () => {
    const home = join(folder.path, "first-run");
    const firstRun = { XV6TS_HOME: home };
    const first = await runXv6ts(["--quiet-boot", "--size", "8M", "--exec", "echo one"], {
      env: firstRun,
    });
    expect(first.code).toBe(0);
    expect(first.stderr).toBe(
      `xv6ts: made the default disk ${join(home, "disk.img")} (8 MiB); later runs boot it again\n`,
    );
    expect(first.stdout).toBe("$ echo one\none\n$ ");
    const second = await runXv6ts(["run", "--quiet-boot", "--exec", "echo two"], {
      env: firstRun,
    });
    expect(second.stderr).toBe("");
    expect(second.stdout).toBe("$ echo two\ntwo\n$ ");
  });
});
