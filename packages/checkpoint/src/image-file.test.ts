import { FileSystem, fsck, type GeometryName, MemoryDevice, mkfs } from "@xv6ts/fs-journal";
import { describe, expect, it } from "vitest";
import { patternPage, sameBytes, sampleContents } from "../test/sample-image.js";
import { fileBlocks } from "./disk-space.js";
import { decodeImage, encodeImage } from "./format.js";
import {
  readImageFile,
  sweepTemporaryFiles,
  TEMPORARY_DIRECTORY,
  writeImageFile,
} from "./image-file.js";

/** Mounts a fresh disk: xv6 geometry of 4000 blocks, or extended of 1024 blocks (4 MiB). */
function freshDisk(geometry: GeometryName = "xv6", ninodes = 200) {
  const size = geometry === "xv6" ? 4000 : 1024;
  const device = new MemoryDevice(size, geometry === "xv6" ? 512 : 4096);
  mkfs(device, { geometry, size, ninodes, files: [{ path: "/dir", directory: true }] });
  return { device, fs: FileSystem.mount(device) };
}

/** Encodes an image of `pages` raw pages, so its size can be chosen. */
function imageOfPages(pages: number, seed = 0): Uint8Array {
  const contents = sampleContents();
  contents.process.sz = pages * 4096;
  contents.pages = Array.from({ length: pages }, (_, i) => ({
    va: i * 4096,
    flags: 7,
    bytes: patternPage((i + seed) * 4096),
  }));
  return encodeImage(contents);
}

function readBack(fs: FileSystem, path: string): Uint8Array {
  const result = readImageFile(fs, { path }, 1 << 30);
  if (!result.ok) throw new Error(result.reason);
  return result.bytes;
}

function temporaryNames(fs: FileSystem): string[] {
  const listing = fs.listDir(TEMPORARY_DIRECTORY);
  if (!listing.ok) return [];
  return listing.value.map((entry) => entry.name).filter((name) => name !== "." && name !== "..");
}

function rootSize(fs: FileSystem): number {
  const stat = fs.stat("/");
  if (!stat.ok) throw new Error(stat.reason);
  return stat.value.size;
}

/**
 * Writes files into /pad until exactly `free` data blocks are left. A file of more than the
 * direct blocks takes one indirect block too, and /pad has free entry slots made beforehand, so
 * no directory block is taken on the way.
 */
function leaveFreeBlocks(fs: FileSystem, free: number): void {
  if (!fs.stat("/pad").ok) expect(fs.mkdir("/pad").ok).toBe(true);
  for (let n = 0; n < 64; n++) expect(fs.writeFile(`/pad/${n}`, new Uint8Array(0)).ok).toBe(true);
  for (let n = 0; n < 64; n++) expect(fs.remove(`/pad/${n}`).ok).toBe(true);
  const { ndirect, nindirect, maxFileBlocks, blockSize } = fs.layout;
  for (let n = 0; fs.freeBlocks() > free; n++) {
    const rest = fs.freeBlocks() - free;
    const blocks = rest > ndirect ? Math.min(maxFileBlocks, ndirect + nindirect, rest - 1) : rest;
    expect(fs.writeFile(`/pad/f${n}`, new Uint8Array(blocks * blockSize)).ok).toBe(true);
  }
  expect(fs.freeBlocks()).toBe(free);
}

function expectClean(device: MemoryDevice, fs: FileSystem): void {
  fs.shutdown();
  const report = fsck(device);
  expect(report.problems).toEqual([]);
}

describe("writeImageFile", () => {
  it("writes a new file that reads back whole", () => {
    const { device, fs } = freshDisk();
    const bytes = encodeImage(sampleContents());
    const result = writeImageFile(fs, { path: "/c4" }, bytes, "4");
    expect(result).toEqual({ ok: true, transactions: 3, temporaryPath: "/.ckpt/4.0" });
    expect(readBack(fs, "/c4")).toEqual(bytes);
    expect(decodeImage(readBack(fs, "/c4")).ok).toBe(true);
    expect(temporaryNames(fs)).toEqual([]);
    expectClean(device, fs);
  });

  it("replaces an old file and frees its blocks", () => {
    const { device, fs } = freshDisk();
    expect(writeImageFile(fs, { path: "/c4" }, imageOfPages(12, 1), "4").ok).toBe(true);
    const freeWithOld = fs.freeBlocks();
    const newer = imageOfPages(12, 2);
    expect(writeImageFile(fs, { path: "/c4" }, newer, "4").ok).toBe(true);
    expect(readBack(fs, "/c4")).toEqual(newer);
    expect(fs.freeBlocks()).toBe(freeWithOld);
    expectClean(device, fs);
  });

  it("packs transactions up to the log's capacity", () => {
    const { device, fs } = freshDisk("extended");
    const bytes = imageOfPages(400);
    const commitsBefore = fs.logStats.commits;
    const result = writeImageFile(fs, { path: "/big" }, bytes, "9");
    expect(result.ok).toBe(true);
    // Each data transaction logs the log's capacity less the inode, bitmap and index blocks.
    const capacity = fs.logCapacity;
    const dataTransactions = Math.ceil((bytes.length / 4096 + 4) / (capacity - 4));
    expect(result).toMatchObject({ ok: true, transactions: dataTransactions + 2 });
    expect(fs.logStats.commits - commitsBefore).toBe(dataTransactions + 2);
    expect(sameBytes(readBack(fs, "/big"), bytes)).toBe(true);
    expectClean(device, fs);
  });

  it("writes relative to a working directory", () => {
    const { device, fs } = freshDisk();
    const dir = fs.namei("/dir")!;
    const bytes = encodeImage(sampleContents());
    expect(writeImageFile(fs, { path: "img", cwd: dir }, bytes, "4").ok).toBe(true);
    fs.beginOp();
    fs.iput(dir);
    fs.endOp();
    expect(readBack(fs, "/dir/img")).toEqual(bytes);
    expectClean(device, fs);
  });

  it("rejects targets that cannot be published", () => {
    const { device, fs } = freshDisk();
    const bytes = encodeImage(sampleContents());
    const cases: [string, string][] = [
      ["/missing/img", "the directory of /missing/img does not exist"],
      ["/first/img", "/first is not a directory"],
      ["/dir/../first/x/img", "/dir/../first is not a directory"],
      ["/dir", "/dir is a directory"],
      ["/dir/..", "/dir/.. is a directory"],
      ["/", '"/" names no file'],
      ["/.ckpt/mine", "/.ckpt is reserved for temporary files"],
    ];
    // Make /.ckpt exist, as after any earlier checkpoint.
    expect(writeImageFile(fs, { path: "/first" }, bytes, "1").ok).toBe(true);
    const free = fs.freeBlocks();
    for (const [path, reason] of cases) {
      expect(writeImageFile(fs, { path }, bytes, "4")).toEqual({ ok: false, reason });
    }
    expect(fs.freeBlocks()).toBe(free);
    expect(temporaryNames(fs)).toEqual([]);
    expectClean(device, fs);
  });

  it("rejects a directory removed while in use", () => {
    const { device, fs } = freshDisk();
    expect(fs.mkdir("/gone").ok).toBe(true);
    fs.beginOp();
    const gone = fs.namei("/gone")!;
    fs.endOp();
    expect(fs.remove("/gone").ok).toBe(true);
    const before = device.snapshot();
    expect(
      writeImageFile(fs, { path: "img", cwd: gone }, encodeImage(sampleContents()), "4"),
    ).toEqual({ ok: false, reason: "the directory of img was removed" });
    expect(sameBytes(device.snapshot(), before)).toBe(true);
    fs.beginOp();
    fs.iput(gone);
    fs.endOp();
    expectClean(device, fs);
  });

  it("rejects an image larger than the largest file", () => {
    const { fs } = freshDisk();
    const bytes = imageOfPages(18);
    expect(writeImageFile(fs, { path: "/c4" }, bytes, "4")).toEqual({
      ok: false,
      reason: `the image needs ${bytes.length} bytes, more than the largest file on this disk (71680 bytes)`,
    });
    expect(fs.stat("/c4").ok).toBe(false);
  });

  it("leaves the old file when the disk is too full", () => {
    const { device, fs } = freshDisk();
    const old = imageOfPages(8, 1);
    expect(writeImageFile(fs, { path: "/c4" }, old, "4").ok).toBe(true);
    leaveFreeBlocks(fs, 60);
    const before = device.snapshot();
    const newer = imageOfPages(15, 2);
    expect(writeImageFile(fs, { path: "/c4" }, newer, "4")).toEqual({
      ok: false,
      // 122 data blocks, one indirect block; the old file's blocks are not free until the end.
      reason: `the disk has 60 free blocks, but the image needs 123 (its ${newer.length} bytes, their index blocks and directory entries)`,
    });
    expect(sameBytes(device.snapshot(), before)).toBe(true);
    expect(readBack(fs, "/c4")).toEqual(old);
    expectClean(device, fs);
  });

  it("writes nothing when inodes run out", () => {
    const { device, fs } = freshDisk("xv6", 16);
    const bytes = encodeImage(sampleContents());
    expect(writeImageFile(fs, { path: "/first" }, bytes, "1").ok).toBe(true);
    for (let n = 0; fs.writeFile(`/f${n}`, new Uint8Array(1)).ok; n++);
    const before = device.snapshot();
    expect(writeImageFile(fs, { path: "/c4" }, bytes, "4")).toEqual({
      ok: false,
      reason: "the disk has 0 free inodes, but the image needs 1 (its temporary file)",
    });
    expect(sameBytes(device.snapshot(), before)).toBe(true);
    expect(fs.stat("/c4").ok).toBe(false);
    expectClean(device, fs);
  });

  it("writes nothing when /.ckpt would take the last inode", () => {
    // 16 inodes: 1 to 15 usable; the root and /dir take two.
    const { device, fs } = freshDisk("xv6", 16);
    for (let n = 0; n < 12; n++) expect(fs.writeFile(`/f${n}`, new Uint8Array(1)).ok).toBe(true);
    const before = device.snapshot();
    expect(writeImageFile(fs, { path: "/c4" }, encodeImage(sampleContents()), "4")).toEqual({
      ok: false,
      reason: "the disk has 1 free inodes, but the image needs 2 (its temporary file and /.ckpt)",
    });
    expect(sameBytes(device.snapshot(), before)).toBe(true);
    expect(fs.stat(TEMPORARY_DIRECTORY).ok).toBe(false);
    expectClean(device, fs);
  });

  it("writes nothing when /.ckpt would take the last block", () => {
    const { device, fs } = freshDisk("extended");
    leaveFreeBlocks(fs, 1);
    const before = device.snapshot();
    const bytes = encodeImage(sampleContents());
    expect(writeImageFile(fs, { path: "/c4" }, bytes, "4")).toEqual({
      ok: false,
      reason: `the disk has 1 free blocks, but the image needs 5 (its ${bytes.length} bytes, their index blocks and directory entries)`,
    });
    expect(sameBytes(device.snapshot(), before)).toBe(true);
    expectClean(device, fs);
  });

  it("fits an image into exactly the blocks it counts", () => {
    const bytes = imageOfPages(15);
    for (const spare of [0, -1]) {
      const { device, fs } = freshDisk();
      expect(fs.mkdir("/pad").ok).toBe(true);
      // Fill the root directory past its first block and to the end of the next one, so that it
      // has no free slot and the entries for .ckpt and /c4 take a new block.
      for (let n = 0; rootSize(fs) <= fs.blockSize || rootSize(fs) % fs.blockSize !== 0; n++) {
        expect(fs.writeFile(`/e${n}`, new Uint8Array(0)).ok).toBe(true);
      }
      // Data and one indirect block, the first block of /.ckpt, a new block of the root.
      const needed = fileBlocks(fs.layout, bytes.length) + 1 + 1;
      expect(needed).toBe(Math.ceil(bytes.length / 512) + 1 + 2);
      leaveFreeBlocks(fs, needed + spare);
      const before = device.snapshot();
      const result = writeImageFile(fs, { path: "/c4" }, bytes, "4");
      if (spare === 0) {
        expect(result).toMatchObject({ ok: true });
        expect(fs.freeBlocks()).toBe(0);
        expect(sameBytes(readBack(fs, "/c4"), bytes)).toBe(true);
      } else {
        expect(result).toEqual({
          ok: false,
          reason: `the disk has ${needed - 1} free blocks, but the image needs ${needed} (its ${bytes.length} bytes, their index blocks and directory entries)`,
        });
        expect(sameBytes(device.snapshot(), before)).toBe(true);
      }
      expectClean(device, fs);
    }
  });

  it("counts an inode a crash left unlinked as free", () => {
    const { device, fs } = freshDisk("xv6", 16);
    expect(writeImageFile(fs, { path: "/first" }, encodeImage(sampleContents()), "1").ok).toBe(
      true,
    );
    for (let n = 0; fs.writeFile(`/f${n}`, new Uint8Array(1)).ok; n++);
    // Unlink a file while a reference stays open, and stop there, as a crash would: the copy of
    // the disk has the inode allocated with no link.
    fs.beginOp();
    const open = fs.namei("/f0")!;
    expect(fs.unlink("/f0")).toBe(true);
    fs.endOp();
    const crashed = new MemoryDevice(device.blockCount, device.blockSize, device.snapshot());
    const after = FileSystem.mount(crashed);
    expect(fsck(crashed).problems).not.toEqual([]);

    const bytes = encodeImage(sampleContents());
    expect(writeImageFile(after, { path: "/c4" }, bytes, "4")).toMatchObject({ ok: true });
    expect(readBack(after, "/c4")).toEqual(bytes);
    expectClean(crashed, after);
    fs.beginOp();
    fs.iput(open);
    fs.endOp();
  });

  it("picks another temporary name when one is taken", () => {
    const { device, fs } = freshDisk();
    const bytes = encodeImage(sampleContents());
    expect(writeImageFile(fs, { path: "/first" }, bytes, "4").ok).toBe(true);
    expect(fs.writeFile("/.ckpt/4.0", new Uint8Array(3)).ok).toBe(true);
    const result = writeImageFile(fs, { path: "/c4" }, bytes, "4");
    expect(result).toMatchObject({ ok: true, temporaryPath: "/.ckpt/4.1" });
    expect(temporaryNames(fs)).toEqual(["4.0"]);
    expectClean(device, fs);
  });
});

describe("readImageFile", () => {
  it("reports missing files, directories and oversized files", () => {
    const { fs } = freshDisk();
    expect(fs.writeFile("/big", new Uint8Array(5000)).ok).toBe(true);
    expect(readImageFile(fs, { path: "/none" }, 1 << 20)).toEqual({
      ok: false,
      reason: "file not found",
    });
    expect(readImageFile(fs, { path: "/dir" }, 1 << 20)).toEqual({
      ok: false,
      reason: "is a directory, not an image file",
    });
    expect(readImageFile(fs, { path: "/big" }, 4999)).toEqual({
      ok: false,
      reason: "is 5000 bytes, larger than any image this machine can restart (4999 bytes)",
    });
    expect(readImageFile(fs, { path: "/big" }, 5000)).toEqual({
      ok: true,
      bytes: new Uint8Array(5000),
    });
  });
});

describe("sweepTemporaryFiles", () => {
  it("removes leftovers and frees their blocks", () => {
    const { device, fs } = freshDisk();
    expect(fs.mkdir(TEMPORARY_DIRECTORY).ok).toBe(true);
    const free = fs.freeBlocks();
    expect(fs.writeFile("/.ckpt/7.0", new Uint8Array(20_000)).ok).toBe(true);
    expect(fs.writeFile("/.ckpt/8.3", new Uint8Array(100)).ok).toBe(true);
    expect(sweepTemporaryFiles(fs)).toEqual(["7.0", "8.3"]);
    expect(temporaryNames(fs)).toEqual([]);
    expect(fs.freeBlocks()).toBe(free);
    expectClean(device, fs);
  });

  it("does nothing without a temporary directory", () => {
    const { fs } = freshDisk();
    expect(sweepTemporaryFiles(fs)).toEqual([]);
  });
});
