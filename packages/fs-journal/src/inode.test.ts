import { describe, expect, test } from "vitest";
import { MemoryDevice } from "./devices";
import { FileSystem } from "./file-system";
import { type GeometryName, T_DIR, T_FILE } from "./format";
import { fsck } from "./fsck";
import type { Inode } from "./inode";
import { mkfs } from "./mkfs";

function mounted(
  geometry: GeometryName = "xv6",
  size?: number,
  ninodes?: number,
  inodes?: number,
): FileSystem {
  const device = new MemoryDevice(
    size ?? (geometry === "xv6" ? 1000 : 400),
    geometry === "xv6" ? 512 : 4096,
  );
  mkfs(device, { geometry, ...(ninodes ? { ninodes } : {}), zeroDataBlocks: false });
  return FileSystem.mount(device, inodes ? { inodes } : {});
}

function pattern(length: number, seed = 1): Uint8Array {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = (i * 13 + seed) & 0xff;
  return data;
}

/** Creates a file and returns it referenced (release with release()). */
function newFile(fs: FileSystem, path: string): Inode {
  fs.beginOp();
  const ip = fs.create(path, T_FILE, 0, 0);
  fs.endOp();
  if (ip === null) throw new Error(`cannot create ${path}`);
  return ip;
}

function release(fs: FileSystem, ip: Inode): void {
  fs.beginOp();
  fs.iput(ip);
  fs.endOp();
}

/** Writes in transactions of at most maxWriteBytes, as the write system call does. */
function write(fs: FileSystem, ip: Inode, data: Uint8Array, off: number): number {
  let done = 0;
  while (done < data.length) {
    const n = Math.min(fs.maxWriteBytes, data.length - done);
    fs.beginOp();
    const wrote = fs.writei(ip, data.subarray(done, done + n), off + done, n);
    fs.endOp();
    if (wrote < 0) return wrote;
    done += wrote;
    if (wrote < n) break;
  }
  return done;
}

function read(fs: FileSystem, ip: Inode, off: number, n: number): Uint8Array {
  const dst = new Uint8Array(n);
  const got = fs.readi(ip, dst, off, n);
  return dst.subarray(0, Math.max(got, 0));
}

describe("iget and iput", () => {
  test("iget returns one shared object per inode", () => {
    const fs = mounted();
    const a = fs.iget(1)!;
    const b = fs.iget(1)!;
    expect(a).toBe(b);
    expect(a.ref).toBe(3);
    fs.iput(a);
    fs.iput(b);
    expect(fs.root.ref).toBe(1);
  });

  test("iget returns null when every cache slot is referenced", () => {
    const fs = mounted("xv6", 1000, 200, 3);
    const a = newFile(fs, "/a");
    const b = newFile(fs, "/b");
    fs.beginOp();
    expect(fs.create("/c", T_FILE, 0, 0)).toBeNull();
    fs.endOp();
    expect(fs.namei("/a")).toBe(a);
    a.ref--;
    release(fs, a);
    const c = newFile(fs, "/c");
    expect(c.inum).toBe(4);
    release(fs, b);
    release(fs, c);
  });

  test("iget of an inode number out of range raises RangeError", () => {
    const fs = mounted();
    expect(() => fs.iget(0)).toThrow(
      new RangeError("iget: inode number 0 is not an integer from 1 to 199"),
    );
    expect(() => fs.iget(200)).toThrow(
      new RangeError("iget: inode number 200 is not an integer from 1 to 199"),
    );
    expect(fs.panicMessage).toBeNull();
  });

  test("iput of the last reference frees an unlinked inode", () => {
    const fs = mounted();
    const free = fs.freeBlocks();
    const ip = newFile(fs, "/a");
    write(fs, ip, pattern(5000), 0);
    fs.beginOp();
    fs.unlink("/a");
    fs.endOp();
    expect(fs.freeBlocks()).toBe(free - 10);
    release(fs, ip);
    expect(fs.freeBlocks()).toBe(free);
    const again = fs.iget(ip.inum)!;
    expect(again.type).toBe(0);
    fs.iput(again);
  });
});

describe("ialloc", () => {
  test("allocates the lowest free inode", () => {
    const fs = mounted();
    fs.beginOp();
    const a = fs.ialloc(T_FILE)!;
    const b = fs.ialloc(T_DIR)!;
    expect([a.inum, b.inum]).toEqual([2, 3]);
    expect([a.type, a.nlink, a.size]).toEqual([T_FILE, 0, 0]);
    expect(b.type).toBe(T_DIR);
    fs.iput(a);
    fs.iput(b);
    fs.endOp();
  });

  test("returns null when no inode is free", () => {
    const fs = mounted("xv6", 1000, 4);
    const a = newFile(fs, "/a");
    const b = newFile(fs, "/b");
    fs.beginOp();
    expect(fs.ialloc(T_FILE)).toBeNull();
    fs.endOp();
    release(fs, a);
    release(fs, b);
  });
});

describe("readi and writei", () => {
  test("write then read returns the same bytes at any offset", () => {
    const fs = mounted();
    const ip = newFile(fs, "/a");
    const data = pattern(7000);
    expect(write(fs, ip, data, 0)).toBe(7000);
    expect(ip.size).toBe(7000);
    expect(read(fs, ip, 0, 7000)).toEqual(data);
    expect(read(fs, ip, 511, 3)).toEqual(data.subarray(511, 514));
    release(fs, ip);
  });

  test("readi stops at the end of the file", () => {
    const fs = mounted();
    const ip = newFile(fs, "/a");
    write(fs, ip, pattern(100), 0);
    expect(fs.readi(ip, new Uint8Array(50), 80, 50)).toBe(20);
    expect(fs.readi(ip, new Uint8Array(50), 100, 50)).toBe(0);
    expect(fs.readi(ip, new Uint8Array(50), 101, 1)).toBe(-1);
    expect(fs.readi(ip, new Uint8Array(50), -1, 1)).toBe(-1);
    expect(fs.readi(ip, new Uint8Array(50), 0, -1)).toBe(-1);
    release(fs, ip);
  });

  test("writei past the end of the file returns -1", () => {
    const fs = mounted();
    const ip = newFile(fs, "/a");
    fs.beginOp();
    expect(fs.writei(ip, pattern(10), 1, 10)).toBe(-1);
    expect(fs.writei(ip, pattern(10), 0, 0)).toBe(0);
    fs.endOp();
    expect(ip.size).toBe(0);
    release(fs, ip);
  });

  test("xv6 file holds exactly 140 blocks", () => {
    const fs = mounted();
    const ip = newFile(fs, "/a");
    const data = pattern(140 * 512);
    expect(write(fs, ip, data, 0)).toBe(140 * 512);
    fs.beginOp();
    expect(fs.writei(ip, pattern(1), 140 * 512, 1)).toBe(-1);
    fs.endOp();
    expect(read(fs, ip, 0, 140 * 512)).toEqual(data);
    expect(ip.addrs[12]).toBe(ip.addrs[11]! + 1);
    expect(ip.addrs[0]).toBeGreaterThan(0);
    release(fs, ip);
    expect(fsck(fs.device).clean).toBe(true);
  });

  test("extended file crosses into the double-indirect block", () => {
    const fs = mounted("extended", 1400, 64);
    const ip = newFile(fs, "/a");
    const data = pattern(1040 * 4096 + 5);
    expect(write(fs, ip, data, 0)).toBe(data.length);
    expect(ip.addrs[11]).not.toBe(0);
    expect(ip.addrs[12]).not.toBe(0);
    expect(read(fs, ip, 1034 * 4096, 6 * 4096 + 5)).toEqual(data.subarray(1034 * 4096));
    release(fs, ip);
    expect(fsck(fs.device).problems).toEqual([]);
  });

  test("extended file reaches 1 GiB through the double-indirect block", () => {
    const fs = mounted("extended", 400, 64);
    const ip = newFile(fs, "/huge");
    // Pretend the first 1 GiB - 4 KiB were written, to map the last block of the first GiB.
    ip.size = 2 ** 30 - 4096;
    fs.beginOp();
    expect(fs.writei(ip, pattern(4096, 3), 2 ** 30 - 4096, 4096)).toBe(4096);
    fs.endOp();
    expect(ip.size).toBe(2 ** 30);
    expect(read(fs, ip, 2 ** 30 - 4096, 4096)).toEqual(pattern(4096, 3));
    expect(read(fs, ip, 0, 16)).toEqual(new Uint8Array(16));
    fs.beginOp();
    expect(fs.writei(ip, pattern(10), 0xffffffff - 5, 10)).toBe(-1);
    ip.size = 0;
    fs.itrunc(ip);
    fs.endOp();
    release(fs, ip);
    expect(fsck(fs.device).problems).toEqual([]);
  });

  test("writei on a full disk returns a short count", () => {
    const fs = mounted("xv6", 100, 16);
    const free = fs.freeBlocks();
    const ip = newFile(fs, "/a");
    const wrote = write(fs, ip, pattern(200 * 512), 0);
    // Every free block but the indirect one holds data.
    expect(wrote).toBe((free - 1) * 512);
    expect(fs.freeBlocks()).toBe(0);
    expect(read(fs, ip, 0, wrote)).toEqual(pattern(200 * 512).subarray(0, wrote));
    release(fs, ip);
    expect(fsck(fs.device).clean).toBe(true);
  });
});

describe("itrunc", () => {
  test("frees every block and empties the file", () => {
    for (const geometry of ["xv6", "extended"] as const) {
      const fs = mounted(geometry, geometry === "xv6" ? 1000 : 1200, 64);
      const free = fs.freeBlocks();
      const ip = newFile(fs, "/a");
      write(fs, ip, pattern(fs.blockSize * (geometry === "xv6" ? 100 : 1100)), 0);
      fs.beginOp(fs.logCapacity);
      fs.itrunc(ip);
      fs.endOp();
      expect(ip.size).toBe(0);
      expect(Array.from(ip.addrs)).toEqual(new Array(13).fill(0));
      expect(fs.freeBlocks()).toBe(free);
      release(fs, ip);
      expect(fsck(fs.device).clean).toBe(true);
    }
  });
});

describe("blocksForWrite", () => {
  /** Logs one write in its own transaction and returns how many blocks the log took. */
  function measured(
    fs: FileSystem,
    ip: Inode,
    off: number,
    n: number,
  ): { predicted: number; logged: number } {
    const predicted = fs.blocksForWrite(ip, off, n);
    fs.beginOp(fs.logCapacity);
    fs.writei(ip, pattern(n), off, n);
    const logged = fs.loggedBlocks;
    fs.endOp();
    return { predicted, logged };
  }

  test("counts exactly the blocks writei logs in xv6", () => {
    const fs = mounted();
    const ip = newFile(fs, "/a");
    const cases: [number, number][] = [
      [0, 100],
      [100, 600],
      [0, 700],
      [700, 11 * 512 - 700 + 20],
      [11 * 512 + 20, 5 * 512],
      [0, 16 * 512 + 20],
      [16 * 512 + 20, 20 * 512],
    ];
    for (const [off, n] of cases) {
      const { predicted, logged } = measured(fs, ip, off, n);
      expect({ off, n, predicted }).toEqual({ off, n, predicted: logged });
    }
    release(fs, ip);
  });

  test("counts the bitmap blocks of free blocks in two bitmap blocks", () => {
    const fs = mounted("xv6", 20000, 200);
    // Files of 101 blocks each; removing f38 and f41 leaves holes on either side of block
    // 4096, the first block of the second bitmap block, and a filler uses most of the first.
    for (let i = 0; i < 100; i++) expect(fs.writeFile(`/f${i}`, pattern(100 * 512)).ok).toBe(true);
    const hole = (i: number): number => {
      const ip = fs.namei(`/f${i}`)!;
      fs.iput(ip);
      return ip.addrs[0]!;
    };
    expect(Math.floor(hole(38) / 4096)).toBe(0);
    expect(Math.floor(hole(41) / 4096)).toBe(1);
    expect(fs.remove("/f38").ok).toBe(true);
    expect(fs.remove("/f41").ok).toBe(true);
    expect(fs.writeFile("/filler", pattern(95 * 512)).ok).toBe(true);
    const ip = newFile(fs, "/scattered");
    const { predicted, logged } = measured(fs, ip, 0, 20 * 512);
    expect(predicted).toBe(logged);
    expect(Math.floor(ip.addrs[0]! / 4096)).toBe(0);
    expect(Math.floor(ip.addrs[11]! / 4096)).toBe(1);
    release(fs, ip);
  });

  test("counts exactly across the extended double-indirect boundary", () => {
    const fs = mounted("extended", 1600, 64);
    const ip = newFile(fs, "/a");
    write(fs, ip, pattern(1030 * 4096), 0);
    for (const n of [3 * 4096, 4 * 4096 + 7, 200 * 4096]) {
      const { predicted, logged } = measured(fs, ip, ip.size, n);
      expect(predicted).toBe(logged);
    }
    release(fs, ip);
  });

  test("is 0 for an empty write", () => {
    const fs = mounted();
    expect(fs.blocksForWrite(fs.root, 0, 0)).toBe(0);
  });
});

describe("stati", () => {
  test("returns type, device, inode number, links and size", () => {
    const fs = mounted();
    const ip = newFile(fs, "/a");
    write(fs, ip, pattern(33), 0);
    expect(fs.stati(ip)).toEqual({ type: T_FILE, dev: 1, ino: 2, nlink: 1, size: 33 });
    expect(fs.stati(fs.root)).toEqual({ type: T_DIR, dev: 1, ino: 1, nlink: 1, size: 512 });
    release(fs, ip);
  });
});
