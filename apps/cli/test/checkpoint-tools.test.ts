/**
 * The checkpoint image tools on real images: one made by checkpointing `counter` in a script
 * session, and damaged copies of it. Bad input prints one sentence, exits 1, and changes no disk.
 */
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../src/index";
import { fileHash, memoryIo, runXv6ts, temporaryFolder } from "./helpers";

let folder: ReturnType<typeof temporaryFolder>;
let env: Record<string, string>;
/** A disk holding /c4, an image of counter (pid 4) blocked in sleep. */
let source: string;
let imageBytes: Buffer;
let copies = 0;

async function cli(...args: string[]) {
  const memory = memoryIo(env);
  const code = await runCli(args, memory.io);
  return { code, stdout: memory.stdout(), stderr: memory.stderr() };
}

/** Returns a fresh copy of the source disk, so that a test may change it. */
function diskCopy(): string {
  const path = join(folder.path, `copy-${++copies}.img`);
  copyFileSync(source, path);
  return path;
}

/** Writes the image with one byte flipped at `offset` (negative: from the end) to a host file. */
function damagedImage(offset: number): string {
  const bytes = Buffer.from(imageBytes);
  const at = offset < 0 ? bytes.length + offset : offset;
  bytes[at]! ^= 0xff;
  const path = join(folder.path, `damaged-${at}.ckpt`);
  writeFileSync(path, bytes);
  return path;
}

beforeAll(async () => {
  folder = temporaryFolder();
  env = { XV6TS_HOME: join(folder.path, "home") };
  source = join(folder.path, "source.img");
  expect((await cli("mkfs", source, "--size", "8M")).code).toBe(0);
  const result = await runXv6ts(
    [
      "run",
      "--disk",
      source,
      "--deterministic",
      "--quiet-boot",
      "--exec",
      "counter &",
      "--exec",
      "sleep 60",
      "--exec",
      "checkpoint 4 /c4",
      "--exec",
      "kill 4",
    ],
    { env },
  );
  expect(result.code).toBe(0);
  const hostCopy = join(folder.path, "c4.ckpt");
  expect((await cli("cp", `${source}:/c4`, hostCopy)).code).toBe(0);
  imageBytes = readFileSync(hostCopy);
}, 120_000);

afterAll(() => folder.remove());

describe("xv6ts image inspect", () => {
  test("describes the process, registers, memory and descriptors", async () => {
    const result = await cli("image", "inspect", `${source}:/c4`);
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe(`${source}:/c4: checkpoint image, format version 1.0, checksums ok`);
    expect(lines[1]).toBe("process: counter, pid 4, parent 1, 12288 bytes of memory");
    expect(lines[2]).toMatch(
      /^state: blocked in sleep, \d+ ticks of sleep left; uptime \d+ ticks when saved$/,
    );
    expect(lines[3]).toBe("registers:");
    expect(lines[7]).toBe("  cs 0x001b  ss 0x0023  ds 0x0023  es 0x0023  fs 0x0000  gs 0x0000");
    expect(result.stdout).toContain(
      "  0x00001000-0x00001fff      1 page   PW---  (no user access: the stack guard page)\n",
    );
    expect(result.stdout).toContain("working directory: / (inode 1)\n");
    expect(result.stdout).toContain(
      "descriptors:\n  fd 0: device 1/1 /console, read/write\n  fd 1: the same open file as fd 0\n  fd 2: the same open file as fd 0\n",
    );
  });

  test("prints the summary as JSON", async () => {
    const result = await cli("image", "inspect", "--json", `${source}:/c4`);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.name).toBe("counter");
    expect(summary.pid).toBe(4);
    expect(summary.format).toBe("1.0");
    expect(summary.checksums).toEqual({ ok: true, problems: [] });
    expect(summary.registers.cs).toBe(0x1b);
    expect(summary.descriptors).toHaveLength(3);
  });

  test("shows a damaged image and exits 1", async () => {
    const disk = diskCopy();
    expect((await cli("cp", damagedImage(-100), `${disk}:/bad`)).code).toBe(0);
    const before = fileHash(disk);
    const result = await cli("image", "inspect", `${disk}:/bad`);
    expect(result.code).toBe(1);
    expect(result.stdout.split("\n")[0]).toMatch(
      /checksums BAD: record \d+ \(page at 0x[0-9a-f]+\) has a bad checksum/,
    );
    expect(result.stderr).toMatch(
      new RegExp(
        `^xv6ts: the checksums of ${disk}:/bad do not match \\(.+\\), so the image is damaged and restart rejects it\\n$`,
      ),
    );
    expect(fileHash(disk)).toBe(before);
  });

  test("rejects a path that does not exist", async () => {
    const result = await cli("image", "inspect", `${source}:/nope`);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `xv6ts: cannot read the checkpoint image ${source}:/nope: file not found\n`,
    );
  });

  test("rejects a file that is not an image", async () => {
    const result = await cli("image", "inspect", `${source}:/cat`);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `xv6ts: cannot read the checkpoint image ${source}:/cat: not a checkpoint image (the magic number does not match)\n`,
    );
  });

  test("describes an exported host file", async () => {
    const file = join(folder.path, "exported.ckpt");
    expect((await cli("image", "export", `${source}:/c4`, file)).code).toBe(0);
    const result = await cli("image", "inspect", file);
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe(`${file}: checkpoint image, format version 1.0, checksums ok`);
    expect(lines[1]).toBe("process: counter, pid 4, parent 1, 12288 bytes of memory");
    const onDisk = await cli("image", "inspect", `${source}:/c4`);
    expect(result.stdout.split("\n").slice(1)).toEqual(onDisk.stdout.split("\n").slice(1));
  });

  test("rejects a host file that is not an image, naming DISK:/PATH", async () => {
    const before = fileHash(source);
    const result = await cli("image", "inspect", source);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `xv6ts: cannot read the checkpoint image ${source}: not a checkpoint image (the magic number does not match); to inspect an image inside a disk image, write DISK:/PATH, like ${source}:/c4\n`,
    );
    expect(fileHash(source)).toBe(before);
  });

  test("rejects a missing host file", async () => {
    const missing = join(folder.path, "c4");
    const result = await cli("image", "inspect", missing);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`xv6ts: cannot read ${missing}: it does not exist (ENOENT)\n`);
  });
});

describe("moving images between disks", () => {
  test("migrate rejects a damaged image and leaves both disks", async () => {
    const from = diskCopy();
    const to = diskCopy();
    expect((await cli("cp", damagedImage(-100), `${from}:/bad`)).code).toBe(0);
    const [fromBefore, toBefore] = [fileHash(from), fileHash(to)];
    const result = await cli("image", "migrate", `${from}:/bad`, `${to}:/c9`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^xv6ts: cannot copy the checkpoint image ${from}:/bad to ${to}:/c9: record \\d+ \\(page at 0x[0-9a-f]+\\) has a bad checksum\\n$`,
      ),
    );
    expect(fileHash(from)).toBe(fromBefore);
    expect(fileHash(to)).toBe(toBefore);
  });

  test("migrate keeps the name when the target is a directory", async () => {
    const to = diskCopy();
    expect((await cli("mkdir", `${to}:/saved`)).code).toBe(0);
    expect((await cli("image", "migrate", `${source}:/c4`, `${to}:/saved`)).code).toBe(0);
    expect((await cli("cat", `${to}:/saved/c4`)).stdout).toBe(imageBytes.toString("latin1"));
  });

  test("migrate within one disk copies the image", async () => {
    const disk = diskCopy();
    expect((await cli("image", "migrate", `${disk}:/c4`, `${disk}:/c5`)).code).toBe(0);
    expect((await cli("cat", `${disk}:/c5`)).stdout).toBe(imageBytes.toString("latin1"));
    expect((await cli("fsck", disk)).code).toBe(0);
  });

  test("import rejects a damaged host file and leaves the disk", async () => {
    const disk = diskCopy();
    const before = fileHash(disk);
    const damaged = damagedImage(0);
    const result = await cli("image", "import", damaged, `${disk}:/c9`);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `xv6ts: ${damaged} is not a valid checkpoint image: not a checkpoint image (the magic number does not match)\n`,
    );
    expect(fileHash(disk)).toBe(before);
  });

  test("export rejects a trailing / on a missing folder", async () => {
    const target = join(folder.path, "nofolder/");
    const result = await cli("image", "export", `${source}:/c4`, target);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `xv6ts: cannot copy to ${target}: it is not a folder, and a destination ending in "/" must be one; make it first or drop the "/"\n`,
    );
  });

  test("export rejects a file that is not an image", async () => {
    const result = await cli("image", "export", `${source}:/cat`, join(folder.path, "cat.ckpt"));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `xv6ts: ${source}:/cat is not a valid checkpoint image: not a checkpoint image (the magic number does not match)\n`,
    );
  });
});

describe("restart of a damaged image", () => {
  test("fails with a reason and leaves the shell running", async () => {
    const disk = diskCopy();
    expect((await cli("cp", damagedImage(-100), `${disk}:/bad`)).code).toBe(0);
    const result = await runXv6ts(
      [
        "run",
        "--disk",
        disk,
        "--deterministic",
        "--quiet-boot",
        "--exec",
        "restart /bad",
        "--exec",
        "echo still here",
      ],
      { env },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^\$ restart \/bad\nrestart: .*checksum.*\nrestart: \/bad failed\n\$ echo still here\nstill here\n\$ $/,
    );
  });
});
