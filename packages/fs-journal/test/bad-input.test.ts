/**
 * Bad images: mount raises FsFormatError and writes nothing, fsck returns a report and writes
 * nothing, and a mounted image with corrupt structures raises only FsFormatError, never an
 * unexplained exception. The last two tests are fast-check properties over random images and
 * random corruptions of valid ones, with fixed seeds.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import { encodeDirent, encodeLogHeader, putU32 } from "../src/format";
import {
  CrashDevice,
  FileDevice,
  FileSystem,
  FsFormatError,
  fsck,
  type GeometryName,
  MemoryDevice,
  mkfs,
} from "../src/index";
import { expectOk } from "./support";

const dir = mkdtempSync(join(tmpdir(), "fs-journal-bad-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** xv6 image: inode 2 /a (3 blocks from 60), inode 3 /d (block 63), inode 4 /d/b (block 64). */
function image(): MemoryDevice {
  const device = new MemoryDevice(1000, 512);
  mkfs(device, {
    files: [
      { path: "/a", data: new Uint8Array(1500).fill(1) },
      { path: "/d/b", data: new Uint8Array(10).fill(2) },
      { path: "/empty", data: new Uint8Array(0) },
    ],
  });
  return device;
}

function extendedImage(): MemoryDevice {
  const device = new MemoryDevice(300, 4096);
  mkfs(device, {
    geometry: "extended",
    ninodes: 64,
    files: [
      { path: "/a", data: new Uint8Array(50_000).fill(1) },
      { path: "/d/b", data: new Uint8Array(10).fill(2) },
    ],
  });
  return device;
}

/** Mounts through a recording device; returns the error (or null) and the writes it made. */
function tryMount(device: MemoryDevice): { error: unknown; writes: number } {
  const crash = new CrashDevice(device);
  try {
    FileSystem.mount(crash);
    return { error: null, writes: crash.writeCount };
  } catch (error) {
    return { error, writes: crash.writeCount };
  }
}

function expectRefused(device: MemoryDevice, message: string): void {
  const { error, writes } = tryMount(device);
  expect(error).toBeInstanceOf(FsFormatError);
  expect((error as Error).message).toBe(`mount: ${message}`);
  expect(writes).toBe(0);
  const crash = new CrashDevice(device);
  const report = fsck(crash);
  expect(crash.writeCount).toBe(0);
  expect(report.clean).toBe(false);
  expect(report.problems[0]).toBe(message);
}

describe("mount refuses bad images without writing", () => {
  test("truncated image", () => {
    const full = image();
    expectRefused(
      MemoryDevice.fromBytes(full.bytes.subarray(0, 600 * 512)),
      "the image is truncated: the xv6 superblock gives 1000 blocks but the device holds 600",
    );
  });

  test("truncated image file", () => {
    const path = join(dir, "truncated.img");
    writeFileSync(path, image().bytes.subarray(0, 700 * 512 + 17));
    const file = FileDevice.open(path);
    expect(() => FileSystem.mount(file)).toThrow(
      "mount: the image is truncated: the xv6 superblock gives 1000 blocks but the device holds 700",
    );
    file.close();
  });

  test("image too small for a superblock", () => {
    expectRefused(
      new MemoryDevice(1, 512),
      "the image holds 512 bytes, too few for a superblock at byte 512",
    );
    expectRefused(
      new MemoryDevice(0, 512),
      "the image holds 0 bytes, too few for a superblock at byte 512",
    );
  });

  test("zeroed disk", () => {
    expectRefused(
      new MemoryDevice(1000, 512),
      "the xv6 superblock gives a size of 0 blocks; it must be between 1 and 16777216",
    );
  });

  test("impossible superblock values", () => {
    const cases: [number, number, string][] = [
      [8, 1, "the xv6 superblock gives 1 inodes; it must be between 2 and 65536"],
      [12, 3, "the xv6 superblock gives a log of 3 blocks; it must be between 11 and 65536"],
      [
        16,
        0,
        "the xv6 superblock puts the log at block 0, over the superblock (the log starts at 2 or later)",
      ],
      [20, 10, "the xv6 superblock puts the inodes at block 10, inside the log (blocks 2 to 31)"],
      [
        24,
        33,
        "the xv6 superblock puts the bitmap at block 33, but 200 inodes need blocks 32 to 56",
      ],
      [4, 0, "the xv6 superblock gives 0 data blocks on a disk of 1000 blocks"],
      [
        0,
        0xffffffff,
        "the xv6 superblock gives a size of 4294967295 blocks; it must be between 1 and 16777216",
      ],
    ];
    for (const [offset, value, message] of cases) {
      const device = image();
      putU32(device.bytes, 512 + offset, value);
      expectRefused(device, message);
    }
  });

  test("xv6 image on a device of 4096-byte blocks", () => {
    const device = new MemoryDevice(125, 4096, image().bytes);
    expectRefused(
      device,
      "the image has a xv6 superblock, which needs 512-byte blocks, but the device has 4096-byte blocks",
    );
  });

  test("extended superblock with a bad checksum or version", () => {
    const device = extendedImage();
    device.bytes[512 + 4]! ^= 0x10;
    expectRefused(device, "the extended superblock's checksum does not match its contents");
  });

  test("corrupt xv6 log header", () => {
    const cases: [number[], number, string][] = [
      [[], 40, "the log header gives n = 40 logged blocks, but the log holds at most 29"],
      [[], -1, "the log header gives n = -1 logged blocks, but the log holds at most 29"],
      [
        [60, 1],
        2,
        "the log header sends logged block 1 to block 1, which is not an inode, bitmap or data block (32 to 999)",
      ],
      [
        [60, 5000],
        2,
        "the log header sends logged block 1 to block 5000, which is not an inode, bitmap or data block (32 to 999)",
      ],
    ];
    for (const [blocks, n, message] of cases) {
      const device = image();
      const header = device.bytes.subarray(2 * 512, 3 * 512);
      encodeLogHeader("xv6", blocks, Math.max(n, 0), header);
      putU32(header, 0, n);
      expectRefused(device, message);
    }
  });

  test("corrupt extended log header with a valid checksum", () => {
    const device = extendedImage();
    const header = device.bytes.subarray(4096, 8192);
    encodeLogHeader(
      "extended",
      Array.from({ length: 300 }, () => 100),
      300,
      header,
    );
    expectRefused(
      device,
      "the log header gives n = 300 logged blocks, but the log holds at most 256",
    );
  });

  test("root that is not a directory", () => {
    const device = image();
    device.bytes[32 * 512 + 64] = 2;
    expectRefused(device, "inode 1, the root, is not a directory (its type is 2)");
  });
});

describe("corrupt structures in a mounted image", () => {
  test("address outside the disk raises FsFormatError", () => {
    const device = image();
    putU32(device.bytes, 32 * 512 + 2 * 64 + 12 + 4, 5000);
    const crash = new CrashDevice(device);
    const fs = FileSystem.mount(crash);
    expect(() => fs.readFile("/a")).toThrow(
      new FsFormatError("inode 2 refers to block 5000, outside the data blocks (59 to 999)", {
        runFsck: true,
      }),
    );
    expect(crash.writeCount).toBe(0);
    expect(fsck(device).problems[0]).toBe(
      "inode 2 refers to block 5000 as its file block 1, outside the data blocks (59 to 999)",
    );
  });

  test("directory loop stays finite", () => {
    const device = image();
    encodeDirent(device.bytes, 63 * 512 + 3 * 16, 1, "up");
    const fs = FileSystem.mount(device);
    const ip = fs.namei("/d/up/d/up/d/up/a")!;
    expect(ip.inum).toBe(2);
    fs.iput(ip);
    const listing = fs.listDir("/d/up/d");
    expect(expectOk(listing).map((e) => e.name)).toEqual([".", "..", "b", "up"]);
    expect(fsck(device).problems).toEqual([
      'directory inode 1 is named again as "up" in directory 3; a directory has one name, and a second one can make a loop',
    ]);
  });

  test("impossible inode number raises FsFormatError", () => {
    const device = image();
    encodeDirent(device.bytes, 63 * 512 + 3 * 16, 900, "far");
    const fs = FileSystem.mount(device);
    expect(() => fs.stat("/d/far")).toThrow(
      'directory inode 3 names inode 900 as "far", beyond the 200 inodes; run fsck',
    );
    expect(() => fs.listDir("/d")).toThrow(FsFormatError);
  });

  test("corrupt size bounds host allocations", () => {
    const device = extendedImage();
    putU32(device.bytes, 258 * 4096 + 2 * 64 + 8, 0xfffffff0);
    const fs = FileSystem.mount(device);
    expect(() => fs.readFile("/a")).toThrow(
      "inode 2 has size 4294967280, more than the 39 data blocks of the disk hold; run fsck",
    );
  });

  test("zero-length file works everywhere", () => {
    const device = image();
    const fs = FileSystem.mount(device);
    expect(fs.readFile("/empty")).toEqual({ ok: true, value: new Uint8Array(0) });
    expect(fs.stat("/empty")).toEqual({
      ok: true,
      value: { type: 2, dev: 1, ino: 5, nlink: 1, size: 0 },
    });
    expect(fs.writeFile("/empty", new Uint8Array(0))).toEqual({ ok: true, value: undefined });
    expect(fs.writeFile("/also-empty", new Uint8Array(0)).ok).toBe(true);
    expect(fsck(device).problems).toEqual([]);
  });
});

/** Calls that may touch any corrupt structure; only FsFormatError may escape them. */
function exercise(fs: FileSystem): void {
  const walk = (path: string, depth: number): void => {
    const listing = fs.listDir(path);
    if (!listing.ok || depth > 3) return;
    for (const entry of listing.value.slice(0, 20)) {
      if (entry.name === "." || entry.name === "..") continue;
      const child = `${path === "/" ? "" : path}/${entry.name}`;
      fs.stat(child);
      if (entry.type === 1) walk(child, depth + 1);
      else fs.readFile(child);
    }
  };
  for (const work of [
    () => walk("/", 0),
    () => fs.writeFile("/new", new Uint8Array(3000).fill(9)),
    () => fs.mkdir("/d/e", { parents: true }),
    () => fs.remove("/a"),
    () => fs.remove("/d/b"),
  ]) {
    try {
      work();
    } catch (error) {
      if (!(error instanceof FsFormatError)) throw error;
      // A corrupt structure was found; the caller (like the kernel) ends the operation.
      while (fs.inTransaction) fs.endOp();
    }
  }
}

/** How many random images mounted and were exercised, so a test can show it reached them. */
const mounted = { count: 0 };

function checkRandomImage(device: MemoryDevice): void {
  const crash = new CrashDevice(device.clone());
  const report = fsck(crash);
  expect(crash.writeCount).toBe(0);
  expect(report.problems.filter((p) => p.startsWith("fsck stopped"))).toEqual([]);
  const { error, writes } = tryMount(device);
  if (error !== null) {
    expect(error).toBeInstanceOf(FsFormatError);
    expect(writes).toBe(0);
    expect(report.clean).toBe(false);
    return;
  }
  mounted.count++;
  exercise(FileSystem.mount(device));
}

/** Runs per property; FS_JOURNAL_PROPERTY_RUNS and _SEED let a longer hunt use other cases. */
const RUNS = Number(process.env.FS_JOURNAL_PROPERTY_RUNS ?? 1000);
const SEED = Number(process.env.FS_JOURNAL_PROPERTY_SEED ?? 0);

describe("random images", () => {
  test("random bytes never crash mount or fsck", { tags: ["slow"] }, () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 40_000 }),
        fc.constantFrom<GeometryName>("xv6", "extended"),
        (bytes, geometry) => {
          const blockSize = geometry === "xv6" ? 512 : 4096;
          const device = new MemoryDevice(
            Math.floor(bytes.length / blockSize),
            blockSize,
            bytes.slice(0, Math.floor(bytes.length / blockSize) * blockSize),
          );
          checkRandomImage(device);
        },
      ),
      { seed: 20240601 + SEED, numRuns: RUNS },
    );
  });

  test("valid superblock over random blocks never crashes", { tags: ["slow"] }, () => {
    const bases = { xv6: image(), extended: extendedImage() };
    const before = mounted.count;
    fc.assert(
      fc.property(
        fc.constantFrom<GeometryName>("xv6", "extended"),
        fc.uint8Array({ minLength: 4096, maxLength: 4096 }),
        fc.integer({ min: 0, max: 3 }),
        (geometry, noise, fill) => {
          // Keep the superblock and an empty log; fill everything else with repeated noise.
          const device = bases[geometry].clone();
          const { blockSize } = device;
          const keepEnd = (geometry === "xv6" ? 3 : 2) * blockSize;
          for (let at = keepEnd; at < device.bytes.length; at += noise.length) {
            device.bytes.set(
              noise.subarray(0, Math.min(noise.length, device.bytes.length - at)),
              at,
            );
          }
          // Give the root a plausible type now and then, so mount gets past it.
          const rootAt = (geometry === "xv6" ? 32 * 512 : 258 * 4096) + 64;
          if (fill > 0) device.bytes[rootAt] = 1;
          if (fill > 1) device.bytes.fill(0, rootAt + 1, rootAt + 8);
          checkRandomImage(device);
        },
      ),
      { seed: 777 + SEED, numRuns: RUNS },
    );
    expect(mounted.count - before).toBeGreaterThan(RUNS / 4);
  });

  test("random corruptions of valid images never crash", { tags: ["slow"] }, () => {
    const bases = { xv6: image(), extended: extendedImage() };
    const before = mounted.count;
    fc.assert(
      fc.property(
        fc.constantFrom<GeometryName>("xv6", "extended"),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 40,
        }),
        (geometry, changes) => {
          const device = bases[geometry].clone();
          // Aim the changes at the metadata and the first data blocks, where they matter.
          const span = (geometry === "xv6" ? 70 : 270) * device.blockSize;
          for (const [where, value] of changes) device.bytes[where % span] = value;
          checkRandomImage(device);
        },
      ),
      { seed: 1234567 + SEED, numRuns: 2 * RUNS },
    );
    expect(mounted.count - before).toBeGreaterThan(RUNS / 2);
  });
});
