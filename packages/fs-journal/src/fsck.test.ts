import { describe, expect, test } from "vitest";
import { CrashDevice } from "./crash-device";
import { MemoryDevice } from "./devices";
import { FileSystem } from "./file-system";
import {
  type Dinode,
  decodeDinode,
  encodeDinode,
  encodeDirent,
  encodeLogHeader,
  NADDRS,
  putU32,
  T_FILE,
} from "./format";
import { type FsckReport, fsck } from "./fsck";
import { mkfs } from "./mkfs";

/**
 * Default xv6 image: inode 2 /a (3 blocks: 60, 61, 62), inode 3 /d (directory, block 63),
 * inode 4 /d/b (one block, 64), inode 5 /c (empty). The root is block 59.
 */
function image(): MemoryDevice {
  const device = new MemoryDevice(1000, 512);
  mkfs(device, {
    files: [
      { path: "/a", data: new Uint8Array(1500).fill(1) },
      { path: "/d/b", data: new Uint8Array(10).fill(2) },
      { path: "/c", data: new Uint8Array(0) },
    ],
  });
  return device;
}

/** Changes an on-disk inode in place. */
function editInode(device: MemoryDevice, inum: number, change: (inode: Dinode) => void): void {
  const off = (32 + Math.floor(inum / 8)) * 512 + (inum % 8) * 64;
  const inode: Dinode = {
    type: 0,
    major: 0,
    minor: 0,
    nlink: 0,
    size: 0,
    addrs: new Uint32Array(NADDRS),
  };
  decodeDinode(device.bytes, off, inode);
  change(inode);
  encodeDinode(inode, device.bytes, off);
}

function setBit(device: MemoryDevice, b: number, used: boolean): void {
  const at = 58 * 512 + (b >> 3);
  if (used) device.bytes[at]! |= 1 << (b & 7);
  else device.bytes[at]! &= ~(1 << (b & 7));
}

/** Runs fsck on a recording device and checks that it wrote nothing. */
function check(device: MemoryDevice, maxProblems?: number): FsckReport {
  const crash = new CrashDevice(device);
  const report = fsck(crash, maxProblems === undefined ? {} : { maxProblems });
  expect(crash.writeCount).toBe(0);
  expect(crash.flushCount).toBe(0);
  expect(report.clean).toBe(report.problems.length === 0);
  return report;
}

describe("fsck on clean images", () => {
  test("finds nothing wrong and counts what is there", () => {
    const report = check(image());
    expect(report.problems).toEqual([]);
    expect(report.notes).toEqual([]);
    expect(report.clean).toBe(true);
    expect(report.geometry).toBe("xv6");
    expect(report.counts).toEqual({
      inodes: 5,
      directories: 2,
      files: 3,
      devices: 0,
      usedBlocks: 6,
      freeBlocks: 935,
    });
  });

  test("accepts xv6 link counts and rejects Unix ones", () => {
    const device = image();
    expect(check(device).clean).toBe(true);
    // Unix would count the root's own "." and ".." and /d's ".": 3 and 2.
    editInode(device, 1, (inode) => {
      inode.nlink = 3;
    });
    editInode(device, 3, (inode) => {
      inode.nlink = 2;
    });
    expect(check(device).problems).toEqual([
      "inode 1 (directory) has nlink 3, but xv6's rule gives 2 (1 for its name and 1 per subdirectory, of which it has 1)",
      "inode 3 (directory) has nlink 2, but xv6's rule gives 1 (1 for its name and 1 per subdirectory, of which it has 0)",
    ]);
  });

  test("notes a pending commit and checks the disk as recovery will leave it", () => {
    const base = image();
    const crash = new CrashDevice(base);
    const fs = FileSystem.mount(crash);
    expect(fs.writeFile("/new", new Uint8Array(700).fill(3)).ok).toBe(true);
    const headerWrite = crash.events
      .filter((e) => e.kind === "write")
      .findIndex((e) => e.blockno === 2);
    const pending = crash.crashState(headerWrite + 1).device;
    const report = check(pending);
    expect(report.problems).toEqual([]);
    expect(report.pendingLogBlocks).toBeGreaterThan(0);
    expect(report.notes[0]).toMatch(
      /^the log holds a committed transaction of \d+ blocks; mount will install it/,
    );
    expect(report.counts.files).toBe(4);
  });
});

describe("fsck problems", () => {
  test("used block marked free in the bitmap", () => {
    const device = image();
    setBit(device, 61, false);
    expect(check(device).problems).toEqual([
      "block 61 is used by inode 2 but is marked free in the bitmap",
    ]);
  });

  test("unused block marked used in the bitmap", () => {
    const device = image();
    setBit(device, 500, true);
    expect(check(device).problems).toEqual([
      "block 500 is marked used in the bitmap, but no inode refers to it",
    ]);
  });

  test("metadata block marked free in the bitmap", () => {
    const device = image();
    setBit(device, 40, false);
    setBit(device, 10, false);
    expect(check(device).problems).toEqual([
      "block 10 holds part of the log but is marked free in the bitmap",
      "block 40 holds inodes but is marked free in the bitmap",
    ]);
  });

  test("block used twice", () => {
    const device = image();
    editInode(device, 5, (inode) => {
      inode.size = 100;
      inode.addrs[0] = 61;
    });
    expect(check(device).problems).toEqual([
      "block 61 is used twice: by inode 2 and by inode 5 (as its file block 0)",
    ]);
  });

  test("block address outside the disk", () => {
    const device = image();
    editInode(device, 2, (inode) => {
      inode.addrs[1] = 5000;
    });
    expect(check(device).problems).toEqual([
      "inode 2 refers to block 5000 as its file block 1, outside the data blocks (59 to 999)",
      "block 61 is marked used in the bitmap, but no inode refers to it",
    ]);
  });

  test("size larger or smaller than the block list", () => {
    const device = image();
    editInode(device, 2, (inode) => {
      inode.size = 2000;
    });
    editInode(device, 4, (inode) => {
      inode.size = 0;
    });
    expect(check(device).problems).toEqual([
      "inode 2 has no block for file block 3, inside its size of 2000 bytes",
      "inode 4 has block 64 as file block 0, past its size of 0 bytes",
    ]);
  });

  test("many missing blocks make one sentence", () => {
    const device = image();
    editInode(device, 5, (inode) => {
      inode.size = 5000;
    });
    expect(check(device).problems).toEqual([
      "inode 5 has no block for 10 file blocks inside its size of 5000 bytes, the first being file block 0",
    ]);
  });

  test("size past the largest file", () => {
    const device = image();
    editInode(device, 5, (inode) => {
      inode.size = 80000;
    });
    expect(check(device).problems[0]).toBe(
      "inode 5 has size 80000, past the largest file of 71680 bytes",
    );
  });

  test("wrong link count of a file", () => {
    const device = image();
    editInode(device, 2, (inode) => {
      inode.nlink = 2;
    });
    expect(check(device).problems).toEqual([
      "inode 2 (file) has nlink 2, but 1 directory entries name it",
    ]);
  });

  test("allocated inode that no entry names", () => {
    const device = image();
    editInode(device, 9, (inode) => {
      inode.type = T_FILE;
      inode.nlink = 0;
    });
    expect(check(device).problems).toEqual([
      "inode 9 (file, nlink 0) is allocated, but no directory entry names it",
    ]);
  });

  test("invalid inode type", () => {
    const device = image();
    editInode(device, 5, (inode) => {
      inode.type = 9;
    });
    expect(check(device).problems).toEqual([
      "inode 5 has type 9, which is none of directory (1), file (2) or device (3)",
    ]);
  });

  test("directory loop", () => {
    const device = image();
    // /d gets an entry "up" naming the root, so /d/up/d/up/... never ends.
    encodeDirent(device.bytes, 63 * 512 + 3 * 16, 1, "up");
    expect(check(device).problems).toEqual([
      'directory inode 1 is named again as "up" in directory 3; a directory has one name, and a second one can make a loop',
    ]);
  });

  test("entries naming free or impossible inodes", () => {
    const device = image();
    encodeDirent(device.bytes, 63 * 512 + 3 * 16, 7, "ghost");
    encodeDirent(device.bytes, 63 * 512 + 4 * 16, 900, "far");
    expect(check(device).problems).toEqual([
      'directory inode 3 has an entry "ghost" naming inode 7, which is free',
      'directory inode 3 has an entry "far" naming inode 900, beyond the 200 inodes',
    ]);
  });

  test("directory without . and ..", () => {
    const device = image();
    encodeDirent(device.bytes, 63 * 512, 0, "");
    encodeDirent(device.bytes, 63 * 512 + 16, 4, "..");
    expect(check(device).problems).toEqual([
      'directory inode 3 has ".." naming inode 4 instead of its parent 1',
      'directory inode 3 does not begin with "." and ".." entries',
    ]);
  });

  test('an extra "." entry is one problem', () => {
    const device = image();
    encodeDirent(device.bytes, 63 * 512 + 3 * 16, 3, ".");
    expect(check(device).problems).toEqual([
      'directory inode 3 has another "." entry at offset 48, naming inode 3; only the entries at offsets 0 and 16 may be "." and ".."',
    ]);
  });

  test('an extra ".." entry naming the wrong inode is one problem', () => {
    const device = image();
    encodeDirent(device.bytes, 63 * 512 + 3 * 16, 4, "..");
    expect(check(device).problems).toEqual([
      'directory inode 3 has another ".." entry at offset 48, naming inode 4; only the entries at offsets 0 and 16 may be "." and ".."',
    ]);
  });

  test('"." and ".." swapped are reported as missing', () => {
    const device = image();
    encodeDirent(device.bytes, 63 * 512, 1, "..");
    encodeDirent(device.bytes, 63 * 512 + 16, 3, ".");
    expect(check(device).problems).toEqual([
      'directory inode 3 does not begin with "." and ".." entries',
    ]);
  });

  test('entries that no path reaches: empty name, a "/", a repeated name', () => {
    const device = image();
    encodeDirent(device.bytes, 63 * 512 + 3 * 16, 5, "");
    encodeDirent(device.bytes, 63 * 512 + 4 * 16, 5, "x/y");
    encodeDirent(device.bytes, 63 * 512 + 5 * 16, 4, "b");
    expect(check(device).problems).toEqual([
      "directory inode 3 has an entry with an empty name at offset 48, naming inode 5; no path reaches it",
      'directory inode 3 has an entry "x/y" at offset 64, naming inode 5; no path reaches a name that contains "/"',
      'directory inode 3 has a second entry "b" at offset 80, naming inode 4; lookups find only the first',
      "inode 4 (file) has nlink 1, but 2 directory entries name it",
      "inode 5 (file) has nlink 1, but 3 directory entries name it",
    ]);
  });

  test("names from the image are escaped in problems", () => {
    const device = image();
    encodeDirent(device.bytes, 63 * 512 + 3 * 16, 7, '\x1b[2J\n"');
    encodeDirent(device.bytes, 63 * 512 + 4 * 16, 1, "up\x7f");
    expect(check(device).problems).toEqual([
      'directory inode 3 has an entry "\\x1b[2J\\x0a\\"" naming inode 7, which is free',
      'directory inode 1 is named again as "up\\x7f" in directory 3; a directory has one name, and a second one can make a loop',
    ]);
  });

  test("names from the image are escaped in the errors of a lookup", () => {
    const device = image();
    // The root's entry for /c (inode 5) becomes "c\n", and inode 5 becomes free.
    encodeDirent(device.bytes, 59 * 512 + 4 * 16, 5, "c\n");
    editInode(device, 5, (inode) => {
      inode.type = 0;
    });
    const fs = FileSystem.mount(device);
    expect(() => fs.readFile("/c\n")).toThrow('directory inode 1 names free inode 5 as "c\\x0a"');
  });

  test("an indirect block outside the disk is not also reported as missing blocks", () => {
    const device = new MemoryDevice(1000, 512);
    mkfs(device, { files: [{ path: "/big", data: new Uint8Array(14 * 512).fill(1) }] });
    editInode(device, 2, (inode) => {
      inode.addrs[12] = 5000;
    });
    expect(check(device).problems).toEqual([
      "inode 2 refers to block 5000 as its indirect block, outside the data blocks (59 to 999)",
      "block 72 is marked used in the bitmap, but no inode refers to it",
      "block 73 is marked used in the bitmap, but no inode refers to it",
      "block 74 is marked used in the bitmap, but no inode refers to it",
    ]);
  });

  test("a shared indirect block is not also reported as missing blocks", () => {
    const device = new MemoryDevice(1000, 512);
    mkfs(device, {
      files: [
        { path: "/big", data: new Uint8Array(14 * 512).fill(1) },
        { path: "/two", data: new Uint8Array(13 * 512).fill(2) },
      ],
    });
    editInode(device, 3, (inode) => {
      inode.addrs[12] = 72;
    });
    expect(check(device).problems).toEqual([
      "block 72 is used twice: by inode 2 and by inode 3 (as its indirect block)",
      "block 87 is marked used in the bitmap, but no inode refers to it",
      "block 88 is marked used in the bitmap, but no inode refers to it",
    ]);
  });

  test("directory size that is not whole entries", () => {
    const device = image();
    editInode(device, 3, (inode) => {
      inode.size = 40;
    });
    // The third entry, /d/b, lies past the size, so nothing names inode 4.
    expect(check(device).problems).toEqual([
      "directory inode 3 has size 40, not a multiple of 16",
      "inode 4 (file, nlink 1) is allocated, but no directory entry names it",
    ]);
  });

  test("impossible superblock", () => {
    const device = image();
    putU32(device.bytes, 512 + 8, 0);
    const report = check(device);
    expect(report.clean).toBe(false);
    expect(report.geometry).toBeNull();
    expect(report.problems).toEqual([
      "the xv6 superblock gives 0 inodes; it must be between 2 and 65536",
    ]);
  });

  test("log header with too many blocks", () => {
    const device = image();
    encodeLogHeader("xv6", [], 40, device.bytes.subarray(1024, 1536));
    expect(check(device).problems).toEqual([
      "the log header gives n = 40 logged blocks, but the log holds at most 29",
    ]);
  });

  test("long lists are capped with a note", () => {
    const device = image();
    device.bytes.fill(0xff, 58 * 512, 59 * 512);
    const report = check(device, 10);
    expect(report.problems).toHaveLength(10);
    expect(report.notes).toEqual(["925 more problems were found but not listed"]);
    expect(report.clean).toBe(false);
    expect(check(device).problems).toHaveLength(100);
  });
});
