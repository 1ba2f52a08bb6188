/**
 * System calls 22 to 24 through the userland programs, typed into `sh`. The `ckpttests` suite
 * runs in both disk geometries. Every refusal of checkpoint, restart and ckptinfo must print its
 * exact console line and give -1 to the caller, with no file or block left behind.
 */
import { FileSystem, fsck, type MemoryDevice, T_DIR } from "@xv6ts/fs-journal";
import { describe, expect, it } from "vitest";
import { TEMPORARY_DIRECTORY } from "../src/index.js";
import { makeDisk, Session, testPrograms } from "./session.js";
import { summaryOf } from "./transparency.js";

/** Lists /.ckpt on a disk no kernel runs on; [] when it does not exist. */
function temporaryFiles(device: MemoryDevice): string[] {
  const fs = FileSystem.mount(device, { readOnly: true });
  const listing = fs.listDir(TEMPORARY_DIRECTORY);
  if (!listing.ok) return [];
  return listing.value.map((entry) => entry.name).filter((name) => name !== "." && name !== "..");
}

function exists(device: MemoryDevice, path: string): boolean {
  return FileSystem.mount(device, { readOnly: true }).stat(path).ok;
}

/**
 * Makes /.ckpt, as any earlier checkpoint would have, and writes files of zeros that leave
 * `freeBlocks` data blocks free. Runs before any kernel boots.
 */
function fillDisk(device: MemoryDevice, freeBlocks: number): void {
  const fs = FileSystem.mount(device);
  expect(fs.mkdir(TEMPORARY_DIRECTORY).ok).toBe(true);
  const bytes = (fs.freeBlocks() - freeBlocks - 8) * fs.blockSize;
  expect(fs.writeFile("/fill", new Uint8Array(bytes)).ok).toBe(true);
  while (fs.freeBlocks() > freeBlocks) {
    const more = fs.writeFile(`/fill${fs.freeBlocks()}`, new Uint8Array(fs.blockSize));
    expect(more.ok).toBe(true);
  }
  fs.shutdown();
}

/** A directory name of the full 14 bytes a directory entry holds. */
const DEEP_NAME = "dddddddddddddd";

/** Makes `depth` nested directories named `name` under the root, before any kernel boots. */
function makeDeepTree(device: MemoryDevice, name: string, depth: number): void {
  const fs = FileSystem.mount(device);
  let directory = fs.idup(fs.root);
  for (let level = 0; level < depth; ) {
    // Each directory logs about 5 blocks; 20 of them fit any log this test uses.
    fs.beginOp(fs.logCapacity);
    for (let n = 0; n < 20 && level < depth; n++, level++) {
      const next = fs.create(name, T_DIR, 0, 0, directory);
      if (next === null) throw new Error(`no room for directory level ${level}`);
      fs.iput(directory);
      directory = next;
    }
    fs.endOp();
  }
  fs.beginOp();
  fs.iput(directory);
  fs.endOp();
  fs.shutdown();
}

/** Creates empty files until no inode is free, before any kernel boots. */
function useAllInodes(device: MemoryDevice): void {
  const fs = FileSystem.mount(device);
  for (let n = 0; fs.writeFile(`/i${n}`, new Uint8Array(0)).ok; n++);
  fs.shutdown();
}

describe("ckpttests", () => {
  for (const geometry of ["xv6", "extended"] as const) {
    it(`passes on the ${geometry} geometry`, { tags: ["slow"] }, async () => {
      const session = await Session.boot(makeDisk({ geometry }));
      const output = await session.command("ckpttests");
      expect(output).toContain("ALL CHECKPOINT TESTS PASSED\n");
      expect(output).not.toContain("FAILED");
      await session.shutdown();
    });
  }
});

describe("checkpoint refusals", () => {
  it("print one line each and return -1", async () => {
    const device = makeDisk();
    const session = await Session.boot(device);
    expect(await session.command("checkpoint 99 /c")).toBe(
      "checkpoint 99 /c\ncheckpoint: pid 99 to /c failed: no such process\ncheckpoint: failed\n$ ",
    );
    expect(await session.command("checkpoint 1 /c")).toBe(
      "checkpoint 1 /c\ncheckpoint: pid 1 to /c failed: pid 1 is init, which cannot be saved\ncheckpoint: failed\n$ ",
    );
    expect(await session.command("checkpoint 2 /nodir/c")).toBe(
      "checkpoint 2 /nodir/c\ncheckpoint: pid 2 to /nodir/c failed: the directory of /nodir/c does not exist\ncheckpoint: failed\n$ ",
    );
    expect(await session.command("checkpoint 2 /")).toBe(
      'checkpoint 2 /\ncheckpoint: pid 2 to / failed: "/" names no file\ncheckpoint: failed\n$ ',
    );
    // ckptat (pid 7) runs `true` as pid 8, which has exited when ckptat wakes: a zombie.
    expect(await session.command("ckptat 2 /z true")).toBe(
      "ckptat 2 /z true\ncheckpoint: pid 8 to /z failed: pid 8 is a zombie\nckptat: checkpoint of pid 8 failed\n$ ",
    );
    await session.shutdown();
    expect(exists(device, "/c")).toBe(false);
    expect(exists(device, "/z")).toBe(false);
  });

  it("leaves no file behind when the disk is full", async () => {
    const device = makeDisk();
    fillDisk(device, 40);
    const session = await Session.boot(device);
    const freeBefore = session.kernel.extension.fileSystem.freeBlocks();
    const output = await session.run("ckptat 5 /big memhog 1");
    expect(output).toMatch(
      /^ckptat 5 \/big memhog 1\nmemhog: filled 1 MiB at 0x[0-9a-f]+, seed 1\ncheckpoint: pid 4 to \/big failed: the disk has 40 free blocks, but the image needs \d+ \(its \d+ bytes, their index blocks and directory entries\)\nckptat: checkpoint of pid 4 failed\n\$ $/,
    );
    expect(session.kernel.extension.fileSystem.freeBlocks()).toBe(freeBefore);
    await session.shutdown();
    expect(exists(device, "/big")).toBe(false);
    expect(temporaryFiles(device)).toEqual([]);
    expect(fsck(device).problems).toEqual([]);
  });

  it("leaves no file behind when inodes run out", async () => {
    const device = makeDisk({ ninodes: 80 });
    useAllInodes(device);
    const session = await Session.boot(device);
    const output = await session.run("ckptat 2 /c ctsleep");
    expect(output).toBe(
      "ckptat 2 /c ctsleep\ncheckpoint: pid 4 to /c failed: the disk has 0 free inodes, but the image needs 2 (its temporary file and /.ckpt)\nckptat: checkpoint of pid 4 failed\n$ ",
    );
    await session.shutdown();
    expect(exists(device, "/c")).toBe(false);
    expect(fsck(device).problems).toEqual([]);
  });

  it("rejects a working directory path an image cannot store", async () => {
    // 4370 levels of a 14-byte name: a path of 65550 bytes. One level less is 65535 bytes, the
    // longest path an image stores.
    const device = makeDisk({ size: 16384, ninodes: 6000 });
    makeDeepTree(device, DEEP_NAME, 4370);
    const session = await Session.boot(device);
    expect(await session.run(`ctdeep ${DEEP_NAME} 4370 /deep.img`)).toBe(
      `ctdeep ${DEEP_NAME} 4370 /deep.img\ncheckpoint: pid 3 to /deep.img failed: the working directory path is 65550 bytes, longer than the 65535 an image can store\nctdeep: checkpoint returned -1\n$ `,
    );
    expect(await session.run(`ctdeep ${DEEP_NAME} 4369 /deep.img`)).toBe(
      `ctdeep ${DEEP_NAME} 4369 /deep.img\nctdeep: checkpoint returned 0\n$ `,
    );
    expect(await session.run("restart /deep.img")).toBe(
      "restart /deep.img\nctdeep: checkpoint returned 1\n$ ",
    );
    await session.shutdown();
    expect(temporaryFiles(device)).toEqual([]);
    expect(fsck(device).problems).toEqual([]);
  });

  it("keeps xv6's cut of a long path element", async () => {
    const device = makeDisk();
    const session = await Session.boot(device);
    expect(await session.command("checkpoint 2 /averyveryverylongname")).toBe(
      "checkpoint 2 /averyveryverylongname\n$ ",
    );
    await session.shutdown();
    expect(exists(device, "/averyveryveryl")).toBe(true);
  });

  it("rejects a path that names a directory", async () => {
    const session = await Session.boot(makeDisk());
    expect(await session.command("mkdir /d")).toBe("mkdir /d\n$ ");
    expect(await session.command("checkpoint 2 /d")).toBe(
      "checkpoint 2 /d\ncheckpoint: pid 2 to /d failed: /d is a directory\ncheckpoint: failed\n$ ",
    );
    await session.shutdown();
  });
});

describe("restart refusals", () => {
  it("print one line each and leave the caller running", async () => {
    const session = await Session.boot(makeDisk());
    const framesBefore = session.kernel.freeFrames;
    const filesBefore = session.kernel.openFiles;
    expect(await session.command("restart /none")).toBe(
      "restart /none\nrestart: /none: file not found\nrestart: /none failed\n$ ",
    );
    expect(await session.command("restart /")).toBe(
      "restart /\nrestart: /: is a directory, not an image file\nrestart: / failed\n$ ",
    );
    expect(await session.command("restart /README")).toBe(
      "restart /README\nrestart: /README: file not found\nrestart: /README failed\n$ ",
    );
    expect(await session.command("restart /ls")).toBe(
      "restart /ls\nrestart: /ls: not a checkpoint image (the magic number does not match)\nrestart: /ls failed\n$ ",
    );
    expect(session.kernel.freeFrames).toBe(framesBefore);
    expect(session.kernel.openFiles).toBe(filesBefore);
    await session.shutdown();
  });
});

describe("restart of a name with control bytes", () => {
  it("keeps the name's bytes", async () => {
    const name = "b\x1bx\x01";
    const device = makeDisk({
      files: [{ path: `/${name}`, data: testPrograms().get("ctsleep")! }],
    });
    const session = await Session.boot(device);
    const saved = await session.run(`ckptat 40 /ctl.img /${name}`);
    expect(saved).toBe(
      `ckptat 40 /ctl.img /${name}\nctsleep: round 1 slept 30 ticks, uptime 30\n$ `,
    );
    expect(await session.run("ckptinfo /ctl.img")).toContain("\nname: b\\x1bx\\x01\n");
    const restarted = await session.run("restart /ctl.img");
    expect(restarted).not.toContain("restart:");
    expect(restarted).toContain("ctsleep: round 6 slept 30 ticks");
    await session.shutdown();
    expect(summaryOf(device, "/ctl.img").name).toBe(name);
  });
});

describe("ckptinfo", () => {
  it("prints the summary of an image and rejects other files", async () => {
    const session = await Session.boot(makeDisk());
    expect(await session.command("ctself /s")).toContain("ctself: checkpoint returned 0\n");
    const info = await session.command("ckptinfo /s");
    const lines = info.split("\n");
    expect(lines.slice(0, 9)).toEqual([
      "ckptinfo /s",
      "checkpoint image, format version 1.0",
      "checksums: ok",
      "name: ctself",
      "pid: 3 (parent 2)",
      "size: 28672 bytes",
      "pages: 7 present, 4 of them zero, 1 without user access",
      "state: saved itself",
      expect.stringMatching(/^uptime: \d+ ticks$/),
    ]);
    expect(lines.slice(11)).toEqual([
      "cwd: / (inode 1)",
      "descriptors: 3",
      "  fd 0: device 1/1 /console, read/write",
      "  fd 1: same open file as fd 0",
      "  fd 2: same open file as fd 0",
      "$ ",
    ]);
    expect(await session.command("ckptinfo /ls")).toBe(
      "ckptinfo /ls\nckptinfo: /ls: not a checkpoint image (the magic number does not match)\nckptinfo: /ls: not a readable checkpoint image\n$ ",
    );
    await session.shutdown();
  });
});
