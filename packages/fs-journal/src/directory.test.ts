import { describe, expect, test } from "vitest";
import { MemoryDevice } from "./devices";
import { skipelem } from "./directory";
import { FileSystem } from "./file-system";
import { T_DEV, T_DIR, T_FILE } from "./format";
import { fsck } from "./fsck";
import type { Inode } from "./inode";
import { mkfs } from "./mkfs";

function mounted(size = 1000, ninodes = 200, inodes?: number): FileSystem {
  const device = new MemoryDevice(size, 512);
  mkfs(device, { size, ninodes, zeroDataBlocks: false });
  return FileSystem.mount(device, inodes ? { inodes } : {});
}

/** Runs work inside one operation and returns its result. */
function op<T>(fs: FileSystem, work: () => T): T {
  fs.beginOp();
  try {
    return work();
  } finally {
    fs.endOp();
  }
}

function make(fs: FileSystem, path: string, type = T_FILE): Inode | null {
  return op(fs, () => {
    const ip = fs.create(path, type, type === T_DEV ? 1 : 0, type === T_DEV ? 1 : 0);
    if (ip) fs.iput(ip);
    return ip;
  });
}

function nlinkOf(fs: FileSystem, path: string): number {
  const st = fs.stat(path);
  if (!st.ok) throw new Error(st.reason);
  return st.value.nlink;
}

function names(fs: FileSystem, path: string): string[] {
  const listing = fs.listDir(path);
  if (!listing.ok) throw new Error(listing.reason);
  return listing.value.map((e) => `${e.name}:${e.inum}`);
}

describe("skipelem", () => {
  test("splits off the first element and skips slashes", () => {
    expect(skipelem("a/bb/c")).toEqual(["a", "bb/c"]);
    expect(skipelem("///a//bb")).toEqual(["a", "bb"]);
    expect(skipelem("a")).toEqual(["a", ""]);
    expect(skipelem("a///")).toEqual(["a", ""]);
    expect(skipelem("")).toBeNull();
    expect(skipelem("////")).toBeNull();
  });

  test("cuts an element to DIRSIZ bytes", () => {
    expect(skipelem("abcdefghijklmnopqrstu/x")).toEqual(["abcdefghijklmn", "x"]);
  });
});

describe("dirlookup and dirlink", () => {
  test("dirlookup returns the inode and the entry offset", () => {
    const fs = mounted();
    make(fs, "/a");
    make(fs, "/b");
    const found = fs.dirlookup(fs.root, "b")!;
    expect(found.ip.inum).toBe(3);
    expect(found.off).toBe(3 * 16);
    fs.iput(found.ip);
    expect(fs.dirlookup(fs.root, "c")).toBeNull();
  });

  test("dirlink rejects a name that exists", () => {
    const fs = mounted();
    make(fs, "/a");
    expect(op(fs, () => fs.dirlink(fs.root, "a", 5))).toBe(false);
  });

  test("dirlink reuses the first free entry", () => {
    const fs = mounted();
    make(fs, "/a");
    make(fs, "/b");
    op(fs, () => fs.unlink("/a"));
    make(fs, "/c");
    expect(names(fs, "/")).toEqual([".:1", "..:1", "c:2", "b:3"]);
  });

  test("long names are cut to DIRSIZ bytes and match on them", () => {
    const fs = mounted();
    make(fs, "/abcdefghijklmnopq");
    expect(names(fs, "/")).toContain("abcdefghijklmn:2");
    const ip = fs.namei("/abcdefghijklmnXYZ")!;
    expect(ip.inum).toBe(2);
    fs.iput(ip);
    expect(make(fs, "/abcdefghijklmnZZZ")?.inum).toBe(2);
    expect(make(fs, "/abcdefghijklmnZZZ", T_DIR)).toBeNull();
  });

  test("names are bytes: chars 0x80 to 0xff round-trip", () => {
    const fs = mounted();
    make(fs, "/\xe9t\xe9");
    expect(names(fs, "/")).toContain("\xe9t\xe9:2");
    const ip = fs.namei("/\xe9t\xe9")!;
    expect(ip.inum).toBe(2);
    fs.iput(ip);
  });
});

describe("namei and nameiparent", () => {
  test("resolves ., .. and repeated slashes", () => {
    const fs = mounted();
    make(fs, "/d", T_DIR);
    make(fs, "/d/f");
    for (const path of ["/d/f", "//d//f", "/d/./f", "/d/../d/f", "/../d/f", "d/f", "/d/f/"]) {
      const ip = fs.namei(path);
      expect({ path, inum: ip?.inum }).toEqual({ path, inum: 3 });
      if (ip) fs.iput(ip);
    }
  });

  test("resolves relative to the working directory", () => {
    const fs = mounted();
    make(fs, "/d", T_DIR);
    make(fs, "/d/f");
    const cwd = fs.namei("/d")!;
    const f = fs.namei("f", cwd)!;
    const up = fs.namei("..", cwd)!;
    const self = fs.namei("", cwd)!;
    expect([f.inum, up.inum, self.inum]).toEqual([3, 1, 2]);
    for (const ip of [f, up, self, cwd]) fs.iput(ip);
  });

  test("fails through a file or a missing name", () => {
    const fs = mounted();
    make(fs, "/f");
    expect(fs.namei("/f/x")).toBeNull();
    expect(fs.namei("/missing")).toBeNull();
    expect(fs.namei("/missing/x")).toBeNull();
    expect(fs.root.ref).toBe(1);
  });

  test("nameiparent returns the parent and the last name", () => {
    const fs = mounted();
    make(fs, "/d", T_DIR);
    const found = fs.nameiparent("/d/new")!;
    expect([found.dp.inum, found.name]).toEqual([2, "new"]);
    fs.iput(found.dp);
    const top = fs.nameiparent("x/")!;
    expect([top.dp.inum, top.name]).toEqual([1, "x"]);
    fs.iput(top.dp);
    expect(fs.nameiparent("/")).toBeNull();
    expect(fs.nameiparent("")).toBeNull();
  });

  test("returns null when the inode cache is full", () => {
    const fs = mounted(1000, 200, 3);
    make(fs, "/a");
    make(fs, "/b");
    make(fs, "/c");
    const a = fs.namei("/a")!;
    const b = fs.namei("/b")!;
    expect(fs.namei("/c")).toBeNull();
    expect(fs.root.ref).toBe(1);
    expect(fs.namei("/a")).toBe(a);
    fs.iput(a);
    fs.iput(a);
    const c = fs.namei("/c")!;
    expect(c.inum).toBe(4);
    fs.iput(b);
    fs.iput(c);
  });
});

describe("create", () => {
  test("returns an existing regular file for T_FILE", () => {
    const fs = mounted();
    make(fs, "/a");
    const again = op(fs, () => fs.create("/a", T_FILE, 0, 0))!;
    expect(again.inum).toBe(2);
    op(fs, () => fs.iput(again));
  });

  test("rejects an existing name for any other case", () => {
    const fs = mounted();
    make(fs, "/a");
    make(fs, "/d", T_DIR);
    make(fs, "/console", T_DEV);
    expect(make(fs, "/a", T_DIR)).toBeNull();
    expect(make(fs, "/d", T_FILE)).toBeNull();
    expect(make(fs, "/d", T_DIR)).toBeNull();
    expect(make(fs, "/console", T_FILE)).toBeNull();
    expect(make(fs, "/d/.", T_DIR)).toBeNull();
  });

  test("rejects a missing parent", () => {
    const fs = mounted();
    expect(make(fs, "/no/a")).toBeNull();
    expect(make(fs, "/")).toBeNull();
  });

  test("device inode keeps major and minor", () => {
    const fs = mounted();
    const ip = op(fs, () => fs.create("/console", T_DEV, 1, 7))!;
    expect([ip.type, ip.major, ip.minor, ip.nlink, ip.size]).toEqual([T_DEV, 1, 7, 1, 0]);
    op(fs, () => fs.iput(ip));
  });

  test("new directory has . and .. and follows xv6's link counts", () => {
    const fs = mounted();
    expect(nlinkOf(fs, "/")).toBe(1);
    make(fs, "/d", T_DIR);
    expect(names(fs, "/d")).toEqual([".:2", "..:1"]);
    expect(nlinkOf(fs, "/d")).toBe(1);
    expect(nlinkOf(fs, "/")).toBe(2);
    make(fs, "/d/e", T_DIR);
    expect(nlinkOf(fs, "/d")).toBe(2);
    expect(nlinkOf(fs, "/d/e")).toBe(1);
    expect(fsck(fs.device).clean).toBe(true);
  });

  test("out of inodes gives null and changes nothing", () => {
    const fs = mounted(1000, 3);
    make(fs, "/a");
    const free = fs.freeBlocks();
    expect(make(fs, "/d", T_DIR)).toBeNull();
    expect(make(fs, "/b")).toBeNull();
    expect(fs.freeBlocks()).toBe(free);
    expect(nlinkOf(fs, "/")).toBe(1);
    expect(fsck(fs.device).clean).toBe(true);
  });

  test("out of blocks for a directory gives null and leaves no inode", () => {
    const fs = mounted(100, 16);
    // Fill the disk completely, keeping the root's one block.
    expect(fs.writeFile("/fill", new Uint8Array(fs.maxFileBytes)).ok).toBe(false);
    expect(fs.freeBlocks()).toBe(0);
    const report = fsck(fs.device);
    expect(make(fs, "/d", T_DIR)).toBeNull();
    expect(nlinkOf(fs, "/")).toBe(1);
    expect(names(fs, "/")).toEqual([".:1", "..:1", "fill:2"]);
    const after = fsck(fs.device);
    expect(after.clean).toBe(true);
    expect(after.counts).toEqual(report.counts);
  });
});

describe("unlink", () => {
  test("rejects . and .., missing names and non-empty directories", () => {
    const fs = mounted();
    make(fs, "/d", T_DIR);
    make(fs, "/d/f");
    for (const path of ["/d/.", "/d/..", "/.", "/missing", "/d", "/"]) {
      expect({ path, removed: op(fs, () => fs.unlink(path)) }).toEqual({ path, removed: false });
    }
    expect(fsck(fs.device).clean).toBe(true);
  });

  test("removing a directory restores the parent's link count", () => {
    const fs = mounted();
    make(fs, "/d", T_DIR);
    expect(nlinkOf(fs, "/")).toBe(2);
    expect(op(fs, () => fs.unlink("/d"))).toBe(true);
    expect(nlinkOf(fs, "/")).toBe(1);
    expect(fsck(fs.device).clean).toBe(true);
  });

  test("removing one of two links keeps the file", () => {
    const fs = mounted();
    expect(fs.writeFile("/a", new Uint8Array(3000).fill(4)).ok).toBe(true);
    op(fs, () => fs.link("/a", "/b"));
    const free = fs.freeBlocks();
    expect(op(fs, () => fs.unlink("/a"))).toBe(true);
    expect(nlinkOf(fs, "/b")).toBe(1);
    expect(fs.freeBlocks()).toBe(free);
    expect(op(fs, () => fs.unlink("/b"))).toBe(true);
    expect(fs.freeBlocks()).toBe(free + 6);
    expect(fsck(fs.device).clean).toBe(true);
  });
});

describe("link", () => {
  test("adds a name and a link", () => {
    const fs = mounted();
    make(fs, "/d", T_DIR);
    make(fs, "/a");
    expect(op(fs, () => fs.link("/a", "/d/b"))).toBe(true);
    expect(nlinkOf(fs, "/a")).toBe(2);
    expect(names(fs, "/d")).toEqual([".:2", "..:1", "b:3"]);
    expect(fsck(fs.device).clean).toBe(true);
  });

  test("rejects directories, missing names and existing targets", () => {
    const fs = mounted();
    make(fs, "/d", T_DIR);
    make(fs, "/a");
    make(fs, "/b");
    expect(op(fs, () => fs.link("/d", "/e"))).toBe(false);
    expect(op(fs, () => fs.link("/missing", "/e"))).toBe(false);
    expect(op(fs, () => fs.link("/a", "/b"))).toBe(false);
    expect(op(fs, () => fs.link("/a", "/nodir/b"))).toBe(false);
    expect(op(fs, () => fs.link("/a", "/d/."))).toBe(false);
    expect(nlinkOf(fs, "/a")).toBe(1);
    expect(fsck(fs.device).clean).toBe(true);
  });
});

describe("removed working directory", () => {
  /** Makes /g, takes a reference to it as a working directory, and removes it. */
  function removedCwd(fs: FileSystem): Inode {
    make(fs, "/g", T_DIR);
    const cwd = fs.namei("/g")!;
    expect(op(fs, () => fs.unlink("/g"))).toBe(true);
    expect(cwd.nlink).toBe(0);
    return cwd;
  }

  test("create in it fails for every type", () => {
    const fs = mounted();
    const cwd = removedCwd(fs);
    const free = fs.freeBlocks();
    for (const [path, type] of [
      ["f", T_FILE],
      ["d", T_DIR],
      ["c", T_DEV],
    ] as const) {
      const ip = op(fs, () => fs.create(path, type, 1, 1, cwd));
      expect({ path, ip }).toEqual({ path, ip: null });
    }
    expect(cwd.nlink).toBe(0);
    expect(fs.freeBlocks()).toBe(free);
    op(fs, () => fs.iput(cwd));
    const report = fsck(fs.device);
    expect(report.problems).toEqual([]);
    expect(report.clean).toBe(true);
  });

  test("link and dirlink into it fail", () => {
    const fs = mounted();
    make(fs, "/a");
    const cwd = removedCwd(fs);
    expect(op(fs, () => fs.link("/a", "b", cwd))).toBe(false);
    expect(op(fs, () => fs.dirlink(cwd, "c", 2))).toBe(false);
    expect(nlinkOf(fs, "/a")).toBe(1);
    op(fs, () => fs.iput(cwd));
    expect(fsck(fs.device).problems).toEqual([]);
  });

  test("its inode is freed at the last iput", () => {
    const fs = mounted();
    const free = fs.freeBlocks();
    const cwd = removedCwd(fs);
    expect(cwd.inum).toBe(2);
    expect(fs.freeBlocks()).toBe(free - 1);
    op(fs, () => fs.iput(cwd));
    expect(fs.freeBlocks()).toBe(free);
    expect(fsck(fs.device).counts).toMatchObject({ directories: 1 });
    // The freed inode is the lowest free one again.
    expect(make(fs, "/h")?.inum).toBe(2);
  });

  test("has no .. after its parent is gone", () => {
    const fs = mounted();
    make(fs, "/a", T_DIR);
    make(fs, "/a/b", T_DIR);
    const cwd = fs.namei("/a/b")!;
    expect(op(fs, () => fs.unlink("/a/b"))).toBe(true);
    expect(op(fs, () => fs.unlink("/a"))).toBe(true);
    expect(op(fs, () => fs.namei("..", cwd))).toBeNull();
    expect(op(fs, () => fs.nameiparent("../x", cwd))).toBeNull();
    const self = op(fs, () => fs.namei(".", cwd))!;
    expect(self).toBe(cwd);
    expect(cwd.ref).toBe(2);
    op(fs, () => fs.iput(self));
    op(fs, () => fs.iput(cwd));
    expect(fsck(fs.device).problems).toEqual([]);
  });
});
