/**
 * Relative paths under `pnpm start`: pnpm runs the command in apps/cli, but XV6TS_HOME, --disk
 * and host files relative to the directory the user ran pnpm from must mean that directory.
 */
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../src/index";
import { CLI_DIR, memoryIo, runXv6ts, temporaryFolder } from "./helpers";

const ROOT = resolve(CLI_DIR, "../..");
let folder: ReturnType<typeof temporaryFolder>;

beforeAll(() => {
  folder = temporaryFolder();
});

afterAll(() => folder.remove());

/** Returns the variables pnpm sets for this package's start script run from `directory`. */
function pnpmStart(directory: string): Record<string, string> {
  return { npm_lifecycle_event: "start", npm_package_name: "@xv6ts/cli", INIT_CWD: directory };
}

describe("relative paths under pnpm start", () => {
  test("resolve XV6TS_HOME against INIT_CWD", async () => {
    const result = await runXv6ts(["--help"], {
      env: { ...pnpmStart(folder.path), XV6TS_HOME: "relative-home" },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `The default disk is ${join(folder.path, "relative-home", "disk.img")}\n`,
    );
  });

  test("resolve a disk path against INIT_CWD", async () => {
    const disk = join(folder.path, "relative.img");
    const env = { XV6TS_HOME: join(folder.path, "home") };
    expect(await runCli(["mkfs", disk, "--size", "4M"], memoryIo(env).io)).toBe(0);
    const result = await runXv6ts(["ls", "relative.img:/echo"], {
      env: { ...pnpmStart(folder.path), ...env },
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^file\s+\d+\s+1\s+\d+ {2}echo\n$/);
  });

  test("stay relative to the working directory otherwise", async () => {
    const result = await runXv6ts(["--help"], {
      env: { XV6TS_HOME: "relative-home" },
      cwd: folder.path,
    });
    expect(result.stdout).toContain(
      `The default disk is ${join(folder.path, "relative-home", "disk.img")}\n`,
    );
  });

  test("resolve XV6TS_HOME against the root for the real pnpm start", async () => {
    const child = spawn("pnpm", ["start", "--help"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/tmp", XV6TS_HOME: "rel-home" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.on("close", done));
    expect(code).toBe(0);
    expect(stdout).toContain(`The default disk is ${join(ROOT, "rel-home", "disk.img")}\n`);
  });
});
