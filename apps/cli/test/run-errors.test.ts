/**
 * Bad input to `xv6ts run`, run as a user would: every case prints one sentence, exits non-zero
 * without a stack trace, and leaves the disk file as it was.
 */
import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  linkSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../src/index";
import { inodeLockPathOf } from "../src/lock";
import { CLI_DIR, fileHash, memoryIo, runXv6ts, temporaryFolder, xv6tsCommand } from "./helpers";

let folder: ReturnType<typeof temporaryFolder>;
let env: Record<string, string>;
let imageCount = 0;

beforeAll(() => {
  folder = temporaryFolder();
  env = { XV6TS_HOME: join(folder.path, "home") };
});

afterAll(() => folder.remove());

async function freshImage(...options: string[]): Promise<string> {
  const path = join(folder.path, `disk-${++imageCount}.img`);
  const memory = memoryIo(env);
  expect(await runCli(["mkfs", path, "--size", "8M", ...options], memory.io)).toBe(0);
  return path;
}

/** Checks the shape every user error shares: one line, exit 1, no stack trace. */
function expectOneSentence(result: { code: number | null; stderr: string }, sentence: string) {
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(`xv6ts: ${sentence}\n`);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe("xv6ts run rejects", () => {
  test("a missing disk file, naming mkfs", async () => {
    const disk = join(folder.path, "missing.img");
    const result = await runXv6ts(["run", "--disk", disk, "--exec", "ls"], { env });
    expectOneSentence(
      result,
      `the disk image ${disk} does not exist; make one with "xv6ts mkfs ${disk}" first`,
    );
    expect(existsSync(disk)).toBe(false);
  });

  test("a file that is not a disk image", async () => {
    const disk = join(folder.path, "notes.img");
    writeFileSync(disk, "not an image\n".repeat(1000));
    const before = fileHash(disk);
    const result = await runXv6ts(["run", "--disk", disk, "--exec", "ls"], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^xv6ts: ${disk} is not a valid xv6ts disk image \\(.+\\); check the file name, or make a new image with "xv6ts mkfs FILE"\\n$`,
      ),
    );
    expect(fileHash(disk)).toBe(before);
    expect(existsSync(`${disk}.lock`)).toBe(false);
  });

  test("a disk without /init", async () => {
    const disk = await freshImage("--empty");
    const before = fileHash(disk);
    const result = await runXv6ts(["run", "--disk", disk, "--exec", "ls"], { env });
    expectOneSentence(
      result,
      `${disk} has no /init program, so it cannot boot; copy the programs in with "xv6ts cp", or make a bootable image with "xv6ts mkfs --force ${disk}"`,
    );
    expect(fileHash(disk)).toBe(before);
  });

  test("a disk whose /init is not a program", async () => {
    const disk = await freshImage("--empty");
    const junk = join(folder.path, "junk");
    writeFileSync(junk, Buffer.alloc(5000, 0x5a));
    expect(await runCli(["cp", junk, `${disk}:/init`], memoryIo(env).io)).toBe(0);
    const result = await runXv6ts(["run", "--disk", disk, "--exec", "ls"], { env });
    expectOneSentence(
      result,
      `${disk} cannot boot because its /init is not a program xv6ts can run; make a bootable image with "xv6ts mkfs --force ${disk}"`,
    );
    expect(existsSync(`${disk}.lock`)).toBe(false);
  });

  test.each(["0", "6M", "512M", "lots"])("--mem %s", async (mem) => {
    const disk = await freshImage();
    const before = fileHash(disk);
    const result = await runXv6ts(["run", "--disk", disk, "--mem", mem, "--exec", "ls"], { env });
    expectOneSentence(
      result,
      `invalid memory size "${mem}" for --mem; use a multiple of 4M from 8M to 256M, like 224M (the default)`,
    );
    expect(fileHash(disk)).toBe(before);
  });

  test("a default disk size too small for the programs", async () => {
    const home = join(folder.path, "small-home");
    const result = await runXv6ts(["run", "--size", "512K", "--exec", "ls"], {
      env: { XV6TS_HOME: home },
    });
    expectOneSentence(
      result,
      "the disk size 512 KiB is too small for the extended geometry with the userland programs; use --size 1260K or more",
    );
    expect(existsSync(join(home, "disk.img"))).toBe(false);
  });

  test("an invalid --timeout", async () => {
    const result = await runXv6ts(["run", "--timeout", "soon", "--exec", "ls"], { env });
    expectOneSentence(
      result,
      'invalid duration "soon" for --timeout; use milliseconds or a number with ms, s or m, like 500ms or 2s',
    );
  });

  test("an unknown option, as a usage error", async () => {
    const result = await runXv6ts(["run", "--disks", "x"], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "error: unknown option '--disks'\n(Did you mean --disk?)\n(add --help for usage)\n",
    );
  });
});

/** Writes `value` as a u32 at `fieldOffset` of inode `inum`'s on-disk dinode. */
async function damageInode(disk: string, inum: number, fieldOffset: number, value: number) {
  const memory = memoryIo(env);
  await runCli(["fsck", "--json", disk], memory.io);
  const { layout } = JSON.parse(memory.stdout());
  const inodesPerBlock = layout.blockSize / 64;
  const block = layout.inodestart + Math.floor(inum / inodesPerBlock);
  const offset = block * layout.blockSize + (inum % inodesPerBlock) * 64 + fieldOffset;
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  const fd = openSync(disk, "r+");
  writeSync(fd, bytes, 0, 4, offset);
  closeSync(fd);
}

/** Returns the inode number of `path` on `disk`, as ls prints it. */
async function inodeOf(disk: string, path: string): Promise<number> {
  const memory = memoryIo(env);
  expect(await runCli(["ls", `${disk}:${path}`], memory.io)).toBe(0);
  return Number(memory.stdout().trim().split(/\s+/)[1]);
}

describe("a kernel stop that is not a bug", () => {
  test("kill 1 halts with a clean disk", async () => {
    const disk = await freshImage();
    const result = await runXv6ts(["run", "--disk", disk, "--quiet-boot", "--exec", "kill 1"], {
      env,
    });
    expect(result.stdout).toBe("$ kill 1\npanic: init exiting\n");
    expectOneSentence(
      result,
      "xv6 halted because init (pid 1) exited, as real xv6 does; the disk was shut down cleanly, so run xv6ts again to boot it",
    );
    expect(existsSync(`${disk}.lock`)).toBe(false);
    expect(await runCli(["fsck", disk], memoryIo(env).io)).toBe(0);
  });

  test("a block address outside the disk in /sh", async () => {
    const disk = await freshImage();
    const sh = await inodeOf(disk, "/sh");
    // addrs[0] is at byte 12 of a dinode.
    await damageInode(disk, sh, 12, 0xfffffff0);
    const result = await runXv6ts(["run", "--disk", disk, "--quiet-boot", "--exec", "ls"], {
      env,
    });
    expect(result.stdout).toMatch(
      new RegExp(`^disk error: inode ${sh} refers to block 4294967280, outside the data blocks`),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^xv6ts: the disk image ${disk} is damaged \\(inode ${sh} refers to block 4294967280, outside the data blocks \\(\\d+ to \\d+\\)\\); check it with "xv6ts fsck ${disk}"\n$`,
      ),
    );
    expect(existsSync(`${disk}.lock`)).toBe(false);
  });

  test("a root directory of an impossible size", async () => {
    const disk = await freshImage();
    // size is at byte 8 of a dinode; inode 1 is the root.
    await damageInode(disk, 1, 8, 0xfffffff0);
    const before = fileHash(disk);
    const result = await runXv6ts(["run", "--disk", disk, "--exec", "ls"], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^xv6ts: the disk image ${disk} is damaged \\(directory inode 1 has size 4294967280, .+\\); check it with "xv6ts fsck ${disk}"\n$`,
      ),
    );
    expect(fileHash(disk)).toBe(before);
  });
});

describe("a disk in use", () => {
  test("is rejected by a second xv6ts and the image tools, then released", async () => {
    const disk = await freshImage();
    const hardLink = join(folder.path, "hard-link.img");
    linkSync(disk, hardLink);
    const host = join(folder.path, "host.txt");
    writeFileSync(host, "from the host\n");
    const [command, ...prefix] = xv6tsCommand();
    const first = spawn(
      command!,
      [...prefix, "run", "--disk", disk, "--quiet-boot", "--timeout", "60s", "--exec", "counter &"],
      { cwd: CLI_DIR, env: { PATH: process.env.PATH!, ...env }, stdio: ["pipe", "pipe", "pipe"] },
    );
    first.stdin.end();
    let firstOutput = "";
    await new Promise<void>((resolve) => {
      first.stdout.on("data", (chunk: Buffer) => {
        firstOutput += chunk.toString("latin1");
        if (firstOutput.includes("counter: 1")) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => first.on("close", resolve));

    try {
      expect(readFileSync(`${disk}.lock`, "utf8")).toMatch(/^\d+ xv6ts run --exec\n$/);
      const holder = Number(readFileSync(`${disk}.lock`, "utf8").split(" ")[0]);
      const sentence = `${disk} is in use by process ${holder} (xv6ts run --exec); quit that xv6ts first, or delete ${disk}.lock if that process is not xv6ts`;
      const second = await runXv6ts(["run", "--disk", disk, "--exec", "ls"], { env });
      expectOneSentence(second, sentence);
      const tool = await runXv6ts(["ls", disk], { env });
      expectOneSentence(tool, sentence);

      // Another name of the same file finds the lock keyed by device and inode.
      const inodeLock = inodeLockPathOf(disk)!;
      const throughLink = `${hardLink} is in use by process ${holder} (xv6ts run --exec) under another name of the same file; quit that xv6ts first, or delete ${inodeLock} if that process is not xv6ts`;
      const copy = memoryIo(env);
      expect(await runCli(["cp", host, `${hardLink}:/x`], copy.io)).toBe(1);
      expect(copy.stderr()).toBe(`xv6ts: ${throughLink}\n`);
      const list = memoryIo(env);
      expect(await runCli(["ls", hardLink], list.io)).toBe(1);
      expect(list.stderr()).toBe(`xv6ts: ${throughLink}\n`);
      expect(existsSync(`${hardLink}.lock`)).toBe(false);
    } finally {
      first.kill("SIGTERM");
    }

    expect(await exited).toBe(128 + 15);
    expect(existsSync(`${disk}.lock`)).toBe(false);
    expect(existsSync(inodeLockPathOf(disk)!)).toBe(false);
    const memory = memoryIo(env);
    expect(await runCli(["fsck", disk], memory.io)).toBe(0);
  });
});
