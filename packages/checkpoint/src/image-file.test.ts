import { FileSystem, fsck, type GeometryName, MemoryDevice, mkfs } from "@xv6ts/fs-journal";
import { describe, expect, it } from "vitest";
import { patternPage, sameBytes, sampleContents } from "../test/sample-image.js";
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

  it("rejects an image larger than the largest file", () => {
    const { fs } = freshDisk();
    const bytes = imageOfPages(18);
    expect(writeImageFile(fs, { path: "/c4" }, bytes, "4")).toEqual({
      ok: false,
      reason: `the image needs ${bytes.length} bytes, more than the largest file on this disk (71680 bytes)`,
    });
    expect(fs.stat("/c4").ok).toBe(false);
  });

  it("leaves the old file when the disk fills up", () => {
    const { device, fs } = freshDisk();
    const old = imageOfPages(8, 1);
    expect(writeImageFile(fs, { path: "/c4" }, old, "4").ok).toBe(true);
    // Fill the disk, leaving room for less than the new image.
    let n = 0;
    while (fs.freeBlocks() > 60) {
      expect(
        fs.writeFile(`/fill${n++}`, new Uint8Array(Math.min(70_000, (fs.freeBlocks() - 60) * 512)))
          .ok,
      ).toBe(true);
    }
    const free = fs.freeBlocks();
    const result = writeImageFile(fs, { path: "/c4" }, imageOfPages(15, 2), "4");
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^the disk is full after \d+ of the image's \d+ bytes$/),
    });
    expect(readBack(fs, "/c4")).toEqual(old);
    expect(fs.freeBlocks()).toBe(free);
    expect(temporaryNames(fs)).toEqual([]);
    expectClean(device, fs);
  });

  it("fails without a trace when inodes run out", () => {
    const { device, fs } = freshDisk("xv6", 16);
    const bytes = encodeImage(sampleContents());
    expect(writeImageFile(fs, { path: "/first" }, bytes, "1").ok).toBe(true);
    for (let n = 0; fs.writeFile(`/f${n}`, new Uint8Array(1)).ok; n++);
    const free = fs.freeBlocks();
    expect(writeImageFile(fs, { path: "/c4" }, bytes, "4")).toEqual({
      ok: false,
      reason: "no free inode or block for the image",
    });
    expect(fs.stat("/c4").ok).toBe(false);
    expect(fs.freeBlocks()).toBe(free);
    expectClean(device, fs);
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
