import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { expectOk } from "../test/support";
import { CrashDevice } from "./crash-device";
import { FileDevice, MemoryDevice } from "./devices";
import { MkfsError } from "./diagnostics";
import { FileSystem } from "./file-system";
import { decodeLogHeader, getU16, getU32 } from "./format";
import { fsck } from "./fsck";
import { type MkfsOptions, mkfs } from "./mkfs";

const dir = mkdtempSync(join(tmpdir(), "fs-journal-mkfs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pattern(length: number, seed: number): Uint8Array {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = (i * 7 + seed) & 0xff;
  return data;
}

const init = pattern(14 * 512 - 100, 1);
const readme = pattern(20, 2);

/** Makes a default xv6 image with a 14-block /init, a device and a small file. */
function defaultImage(): MemoryDevice {
  const device = new MemoryDevice(1000, 512);
  mkfs(device, {
    files: [
      { path: "/init", data: init },
      { path: "/console", device: { major: 1, minor: 1 } },
      { path: "/README", data: readme },
    ],
  });
  return device;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

function blockOf(device: MemoryDevice, b: number): Uint8Array {
  return device.bytes.subarray(b * device.blockSize, (b + 1) * device.blockSize);
}

function inodeBytes(device: MemoryDevice, inum: number): Uint8Array {
  const block = blockOf(device, 32 + Math.floor(inum / 8));
  return block.subarray((inum % 8) * 64, (inum % 8) * 64 + 64);
}

function words(bytes: Uint8Array, count: number, from = 0): number[] {
  return Array.from({ length: count }, (_, i) => getU32(bytes, from + 4 * i));
}

describe("mkfs xv6 byte layout", () => {
  const device = defaultImage();

  test("boot block is zero and the superblock is seven words", () => {
    expect(blockOf(device, 0).every((b) => b === 0)).toBe(true);
    const sb = blockOf(device, 1);
    expect(words(sb, 7)).toEqual([1000, 941, 200, 30, 2, 32, 58]);
    expect(sb.subarray(28).every((b) => b === 0)).toBe(true);
  });

  test("log is empty", () => {
    for (let b = 2; b < 32; b++) expect(blockOf(device, b).every((x) => x === 0)).toBe(true);
  });

  test("root inode is a one-block directory at block 59", () => {
    const root = inodeBytes(device, 1);
    expect(Array.from(root.subarray(0, 8))).toEqual([1, 0, 0, 0, 0, 0, 1, 0]);
    expect(getU32(root, 8)).toBe(512);
    expect(words(root, 13, 12)).toEqual([59, ...new Array(12).fill(0)]);
    expect(inodeBytes(device, 0).every((b) => b === 0)).toBe(true);
  });

  test("root directory block lists ., .. and the files in order", () => {
    const block = blockOf(device, 59);
    const entries = [
      [1, "."],
      [1, ".."],
      [2, "init"],
      [3, "console"],
      [4, "README"],
    ] as const;
    for (const [i, [inum, name]] of entries.entries()) {
      const entry = block.subarray(16 * i, 16 * i + 16);
      expect(getU16(entry, 0)).toBe(inum);
      const expected = new Uint8Array(14);
      expected.set(new TextEncoder().encode(name));
      expect(entry.subarray(2)).toEqual(expected);
    }
    expect(block.subarray(16 * entries.length).every((b) => b === 0)).toBe(true);
  });

  test("file inode maps twelve direct blocks, then the indirect block", () => {
    const inode = inodeBytes(device, 2);
    expect(Array.from(inode.subarray(0, 8))).toEqual([2, 0, 0, 0, 0, 0, 1, 0]);
    expect(getU32(inode, 8)).toBe(init.length);
    const direct = Array.from({ length: 12 }, (_, i) => 60 + i);
    expect(words(inode, 13, 12)).toEqual([...direct, 72]);
    expect(words(blockOf(device, 72), 3)).toEqual([73, 74, 0]);
    expect(
      blockOf(device, 72)
        .subarray(8)
        .every((b) => b === 0),
    ).toBe(true);
  });

  test("file blocks hold the data, the last one zero-padded", () => {
    const blocks = [60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 73, 74];
    for (const [i, b] of blocks.entries()) {
      const expected = new Uint8Array(512);
      expected.set(init.subarray(i * 512, (i + 1) * 512));
      expect(blockOf(device, b)).toEqual(expected);
    }
  });

  test("device inode has major and minor and no blocks", () => {
    const inode = inodeBytes(device, 3);
    expect(Array.from(inode.subarray(0, 12))).toEqual([3, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
    expect(inode.subarray(12).every((b) => b === 0)).toBe(true);
    const small = inodeBytes(device, 4);
    expect(getU32(small, 8)).toBe(20);
    expect(words(small, 2, 12)).toEqual([75, 0]);
  });

  test("bitmap marks every block below the first free one", () => {
    const bitmap = blockOf(device, 58);
    // Blocks 0..75 are used: 59 metadata, the root, 14 data, 1 indirect, 1 small file.
    expect(Array.from(bitmap.subarray(0, 10))).toEqual([
      255, 255, 255, 255, 255, 255, 255, 255, 255, 0x0f,
    ]);
    expect(bitmap.subarray(10).every((b) => b === 0)).toBe(true);
  });

  test("every free block is zero", () => {
    for (let b = 76; b < 1000; b++) expect(blockOf(device, b).every((x) => x === 0)).toBe(true);
  });

  test("image mounts, reads back each file and checks clean", () => {
    const fs = FileSystem.mount(device.clone());
    const initBack = fs.readFile("/init");
    expect(expectOk(initBack)).toEqual(init);
    const readmeBack = fs.readFile("/README");
    expect(expectOk(readmeBack)).toEqual(readme);
    expect(fs.stat("/console")).toEqual({
      ok: true,
      value: { type: 3, dev: 1, ino: 3, nlink: 1, size: 0 },
    });
    const report = fsck(device);
    expect(report.problems).toEqual([]);
    expect(report.counts).toEqual({
      inodes: 4,
      directories: 1,
      files: 2,
      devices: 1,
      usedBlocks: 17,
      freeBlocks: 924,
    });
  });
});

describe("mkfs directories", () => {
  test("makes missing parents and counts links by xv6's rule", () => {
    const device = new MemoryDevice(1000, 512);
    mkfs(device, {
      files: [
        { path: "/bin/ls", data: pattern(100, 3) },
        { path: "/bin/sub", directory: true },
        { path: "/etc", directory: true },
      ],
    });
    const fs = FileSystem.mount(device);
    const listing = fs.listDir("/");
    expect(expectOk(listing).map((e) => [e.name, e.inum, e.nlink])).toEqual([
      [".", 1, 3],
      ["..", 1, 3],
      ["bin", 2, 2],
      ["etc", 5, 1],
    ]);
    const bin = fs.listDir("/bin");
    expect(expectOk(bin).map((e) => e.name)).toEqual([".", "..", "ls", "sub"]);
    expect(fsck(device).problems).toEqual([]);
  });
});

describe("mkfs options", () => {
  function rejects(
    options: MkfsOptions,
    message: RegExp,
    device = new MemoryDevice(1000, 512),
  ): void {
    const crash = new CrashDevice(device);
    expect(() => mkfs(crash, options)).toThrow(MkfsError);
    expect(() => mkfs(crash, options)).toThrow(message);
    expect(crash.writeCount).toBe(0);
  }

  test("rejects bad options before writing anything", () => {
    rejects({ size: 2000 }, /size must be a whole number from 1 to 1000; got 2000/);
    rejects({ size: 50 }, /cannot lay out 50 blocks/);
    rejects({ ninodes: 1 }, /ninodes must be a whole number from 2 to 65536; got 1/);
    rejects({ nlog: 40 }, /the xv6 geometry has a log of 30 blocks/);
    rejects({ geometry: "extended" }, /needs 4096-byte blocks; the device has 512-byte blocks/);
    rejects(
      { geometry: "extended", nlog: 100 },
      /nlog must be a whole number from 256 to 1023/,
      new MemoryDevice(400, 4096),
    );
    rejects({ geometry: "bogus" as never }, /unknown geometry "bogus"/);
  });

  test("rejects an unknown geometry by its escaped name, prototype names included", () => {
    for (const [geometry, shown] of [
      ["toString", '"toString"'],
      ["__proto__", '"__proto__"'],
      ["x6\n", '"x6\\x0a"'],
    ]) {
      const crash = new CrashDevice(new MemoryDevice(1000, 512));
      expect(() => mkfs(crash, { geometry: geometry as never })).toThrow(
        `unknown geometry ${shown}; use "xv6" or "extended"`,
      );
      expect(crash.writeCount).toBe(0);
    }
  });

  test("entry messages escape the paths they quote", () => {
    const device = new MemoryDevice(1000, 512);
    expect(() => mkfs(device, { files: [{ path: "/a\n/../b", directory: true }] })).toThrow(
      'entry path "/a\\x0a/../b" has a "." or ".." element',
    );
    const twice = { path: "/\x1b[1m", data: new Uint8Array(1) };
    expect(() => mkfs(device, { files: [twice, twice] })).toThrow('"/\\x1b[1m" is given twice');
  });

  test("rejects bad entries before writing anything", () => {
    rejects({ files: [{ path: "init", data: new Uint8Array(1) }] }, /must be absolute/);
    rejects({ files: [{ path: "/", directory: true }] }, /names the root/);
    rejects({ files: [{ path: "/a/../b", directory: true }] }, /has a "\." or "\.\." element/);
    rejects(
      { files: [{ path: "/abcdefghijklmno", data: new Uint8Array(1) }] },
      /longer than 14 bytes/,
    );
    rejects(
      { files: [{ path: "/\u0100", data: new Uint8Array(1) }] },
      /a NUL or a char above 0xff/,
    );
    rejects(
      {
        files: [
          { path: "/a", data: new Uint8Array(1) },
          { path: "/a", directory: true },
        ],
      },
      /given twice/,
    );
    rejects(
      {
        files: [
          { path: "/a", data: new Uint8Array(1) },
          { path: "/a/b", directory: true },
        ],
      },
      /"\/a" is a file/,
    );
    rejects(
      { files: [{ path: "/big", data: new Uint8Array(71681) }] },
      /more than the largest xv6 file \(71680 bytes\)/,
    );
    rejects({ files: [{ path: "/c", device: { major: -1, minor: 0 } }] }, /major of "\/c"/);
  });

  test("rejects entries that need more inodes or blocks than there are", () => {
    const many = Array.from({ length: 10 }, (_, i) => ({
      path: `/f${i}`,
      data: new Uint8Array(1),
    }));
    rejects({ ninodes: 8, files: many }, /need 11 inodes, but the file system has 7/);
    const big = Array.from({ length: 8 }, (_, i) => ({
      path: `/f${i}`,
      data: new Uint8Array(71680),
    }));
    rejects({ files: big }, /need 1129 data blocks, but the file system has 941/);
  });
});

describe("mkfs extended", () => {
  test("extended superblock and log header placement", () => {
    const device = new MemoryDevice(2048, 4096);
    const layout = mkfs(device, {
      geometry: "extended",
      files: [{ path: "/x", data: pattern(50_000, 4) }],
    });
    expect(layout.logstart).toBe(1);
    expect(layout.nlog).toBe(257);
    expect(layout.ninodes).toBe(256);
    expect(device.bytes.subarray(0, 512).every((b) => b === 0)).toBe(true);
    expect(words(device.bytes, 7, 512)).toEqual([
      2048,
      layout.nblocks,
      256,
      257,
      1,
      258,
      layout.bmapstart,
    ]);
    expect(device.bytes.subarray(560, 4096).every((b) => b === 0)).toBe(true);
    expect(decodeLogHeader("extended", blockOf(device, 1))).toEqual({
      n: 0,
      blocks: [],
      torn: false,
    });
    const fs = FileSystem.mount(device);
    const back = fs.readFile("/x");
    expect(expectOk(back)).toEqual(pattern(50_000, 4));
    expect(fsck(device).problems).toEqual([]);
  });

  test("sizes the log so that one transaction can free the whole bitmap", () => {
    // A 10 GiB disk that stores nothing: mkfs writes only metadata with zeroDataBlocks false.
    const blockCount = 2_500_000;
    const nowhere = { blockSize: 4096, blockCount, read() {}, write() {}, flush() {}, close() {} };
    const layout = mkfs(nowhere, { geometry: "extended", zeroDataBlocks: false });
    const nbitmap = Math.ceil(blockCount / 32768);
    expect(layout.nbitmap).toBe(nbitmap);
    expect(layout.nlog).toBe(4 * (nbitmap + 4) + 1);
    expect(layout.maxOpBlocks).toBe(nbitmap + 4);
  });

  test("makes a 1 GiB image on a sparse file and uses it", { tags: ["slow"] }, () => {
    const path = join(dir, "gib.img");
    const file = FileDevice.create(path, 262144, 4096);
    const layout = mkfs(file, { geometry: "extended", zeroDataBlocks: false });
    expect(layout.size * 4096).toBe(2 ** 30);
    expect(layout.nlog).toBe(257);
    expect(layout.ninodes).toBe(32768);
    const fs = FileSystem.mount(file);
    expect(fs.writeFile("/data", pattern(3_000_000, 5)).ok).toBe(true);
    expect(fs.mkdir("/a/b", { parents: true }).ok).toBe(true);
    fs.shutdown();
    file.close();
    expect(statSync(path).size).toBe(2 ** 30);

    const reopened = FileDevice.open(path, { readOnly: true });
    const report = fsck(reopened);
    expect(report.problems).toEqual([]);
    expect(report.counts.files).toBe(1);
    const back = FileSystem.mount(reopened).readFile("/data");
    expect(sameBytes(expectOk(back), pattern(3_000_000, 5))).toBe(true);
    reopened.close();
  });
});

describe("images on files", () => {
  test("an image written to a file reads back identically", () => {
    const memory = defaultImage();
    const path = join(dir, "same.img");
    const file = FileDevice.create(path, 1000, 512);
    mkfs(file, {
      files: [
        { path: "/init", data: init },
        { path: "/console", device: { major: 1, minor: 1 } },
        { path: "/README", data: readme },
      ],
    });
    file.close();
    expect(sameBytes(readFileSync(path), memory.bytes)).toBe(true);

    const reopened = FileDevice.open(path);
    const fs = FileSystem.mount(reopened);
    expect(fs.writeFile("/new", pattern(9000, 6)).ok).toBe(true);
    fs.shutdown();
    reopened.close();
    const again = FileSystem.mount(MemoryDevice.fromBytes(new Uint8Array(readFileSync(path))));
    const back = again.readFile("/new");
    expect(expectOk(back)).toEqual(pattern(9000, 6));
  });
});
