import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { expectOk } from "../test/support";
import { CrashDevice } from "./crash-device";
import { FileDevice, MemoryDevice } from "./devices";
import { FsFormatError, FsPanic } from "./diagnostics";
import { FileSystem } from "./file-system";
import { decodeLogHeader, type GeometryName, T_DIR, T_FILE } from "./format";
import { fsck } from "./fsck";
import type { Inode } from "./inode";
import { mkfs } from "./mkfs";

const dir = mkdtempSync(join(tmpdir(), "fs-journal-log-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function image(
  geometry: GeometryName = "xv6",
  size = geometry === "xv6" ? 1000 : 400,
): MemoryDevice {
  const device = new MemoryDevice(size, geometry === "xv6" ? 512 : 4096);
  mkfs(device, { geometry, zeroDataBlocks: false });
  return device;
}

function createFile(fs: FileSystem, path: string, data: Uint8Array): void {
  fs.beginOp();
  const ip = fs.create(path, T_FILE, 0, 0)!;
  fs.writei(ip, data, 0, data.length);
  fs.iput(ip);
  fs.endOp();
}

/** Opens a file for the caller; it must call fs.iput inside a transaction later. */
function openFile(fs: FileSystem, path: string): Inode {
  fs.beginOp();
  const ip = fs.create(path, T_FILE, 0, 0)!;
  fs.endOp();
  return ip;
}

function caught(work: () => void): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return null;
}

describe("commit", () => {
  test("writes copies, header, home blocks, clear with four barriers", () => {
    const crash = new CrashDevice(image());
    const fs = FileSystem.mount(crash);
    createFile(fs, "/a", new Uint8Array(100).fill(1));
    const logstart = fs.superblock.logstart;
    const kinds = crash.events.map((e) =>
      e.kind === "flush"
        ? "barrier"
        : e.blockno === logstart
          ? "header"
          : e.blockno < fs.superblock.inodestart
            ? "copy"
            : "home",
    );
    const n = kinds.filter((k) => k === "copy").length;
    expect(n).toBeGreaterThan(0);
    expect(kinds).toEqual([
      ...Array(n).fill("copy"),
      "barrier",
      "header",
      "barrier",
      ...Array(n).fill("home"),
      "barrier",
      "header",
      "barrier",
    ]);
    expect(crash.flushCount).toBe(4);

    const writes = crash.events.filter((e) => e.kind === "write");
    const header = decodeLogHeader("xv6", writes[n]!.data);
    expect(header.n).toBe(n);
    for (let i = 0; i < n; i++) {
      expect(writes[i]!.blockno).toBe(logstart + 1 + i);
      expect(writes[n + 1 + i]!.blockno).toBe(header.blocks[i]);
      expect(writes[n + 1 + i]!.data).toEqual(writes[i]!.data);
    }
    expect(decodeLogHeader("xv6", writes[2 * n + 1]!.data).n).toBe(0);
  });

  test("empty transaction writes nothing", () => {
    const crash = new CrashDevice(image());
    const fs = FileSystem.mount(crash);
    fs.beginOp();
    expect(fs.namei("/")?.inum).toBe(1);
    fs.endOp();
    expect(crash.events).toEqual([]);
  });

  test("failed create on a full disk writes nothing", () => {
    for (const geometry of ["xv6", "extended"] as const) {
      const device = image(geometry, geometry === "xv6" ? 100 : 300);
      const fs = FileSystem.mount(device);
      const fill = new Uint8Array((fs.freeBlocks() + 1) * device.blockSize);
      expect(fs.writeFile("/fill", fill).ok).toBe(false);
      expect(fs.freeBlocks()).toBe(0);
      const before = device.snapshot();
      const commits = fs.logStats.commits;

      // ialloc logs the inode block, then "." finds no block and the inode is freed again.
      const crash = new CrashDevice(device);
      const again = FileSystem.mount(crash);
      again.beginOp();
      expect(again.create("/d", T_DIR, 0, 0)).toBeNull();
      expect(again.loggedBlocks).toBeGreaterThan(0);
      again.endOp();
      expect({ geometry, events: crash.events }).toEqual({ geometry, events: [] });
      expect(again.logStats).toMatchObject({ commits: 0, blocksLogged: 0 });
      expect(again.logStats.unchanged).toBeGreaterThan(0);
      expect(Buffer.from(device.snapshot()).equals(before)).toBe(true);
      expect(fs.logStats.commits).toBe(commits);
    }
  });

  test("commit writes only the blocks that changed", () => {
    const crash = new CrashDevice(image());
    const fs = FileSystem.mount(crash);
    const data = new Uint8Array(1000).fill(7);
    createFile(fs, "/a", data);
    const ip = openFile(fs, "/a");
    const start = crash.events.length;

    // The same bytes again, then one byte of the second block changed.
    fs.beginOp();
    expect(fs.writei(ip, data, 0, data.length)).toBe(data.length);
    fs.endOp();
    expect(crash.events.length).toBe(start);
    fs.beginOp();
    fs.writei(ip, data, 0, data.length);
    fs.writei(ip, Uint8Array.of(8), 600, 1);
    fs.endOp();
    const writes = crash.events.slice(start).filter((e) => e.kind === "write");
    const logstart = fs.superblock.logstart;
    expect(writes.map((e) => e.blockno)).toEqual([logstart + 1, logstart, ip.addrs[1], logstart]);
    expect(decodeLogHeader("xv6", writes[1]!.data).blocks.slice(0, 1)).toEqual([ip.addrs[1]]);
    fs.beginOp();
    fs.iput(ip);
    fs.endOp();
    expect(fsck(crash).clean).toBe(true);
  });

  test("block written twice takes one log slot", () => {
    const fs = FileSystem.mount(image());
    const ip = openFile(fs, "/a");
    fs.beginOp();
    fs.writei(ip, new Uint8Array(10).fill(1), 0, 10);
    const logged = fs.loggedBlocks;
    fs.writei(ip, new Uint8Array(10).fill(2), 10, 10);
    fs.writei(ip, new Uint8Array(10).fill(3), 20, 10);
    expect(fs.loggedBlocks).toBe(logged);
    fs.iput(ip);
    fs.endOp();
    expect(fs.logStats.absorbed).toBeGreaterThanOrEqual(4);
  });

  test("file device syncs at each of the four barriers", () => {
    const path = join(dir, "fsync.img");
    const file = FileDevice.create(path, 1000, 512);
    mkfs(file);
    const before = file.stats.flushes;
    const fs = FileSystem.mount(file);
    createFile(fs, "/a", new Uint8Array(10));
    expect(file.stats.flushes - before).toBe(4);
    fs.shutdown();
    file.close();
  });
});

describe("log limits", () => {
  test("too big a transaction is a panic", () => {
    const fs = FileSystem.mount(image());
    const ip = openFile(fs, "/big");
    fs.beginOp(fs.logCapacity);
    const error = caught(() => fs.writei(ip, new Uint8Array(30 * 512), 0, 30 * 512));
    expect(error).toBeInstanceOf(FsPanic);
    expect(error).not.toBeInstanceOf(FsFormatError);
    expect((error as Error).message).toBe("logWrite: too big a transaction");
  });

  test("write outside of a transaction is a panic", () => {
    const fs = FileSystem.mount(image());
    const ip = openFile(fs, "/a");
    const error = caught(() => fs.writei(ip, new Uint8Array(10), 0, 10));
    expect(error).toBeInstanceOf(FsPanic);
    expect((error as Error).message).toBe("logWrite: write outside of a transaction");
  });

  test("freeing an unlinked inode outside a transaction is a panic", () => {
    const fs = FileSystem.mount(image());
    const ip = openFile(fs, "/a");
    fs.beginOp();
    fs.unlink("/a");
    fs.endOp();
    expect(() => fs.iput(ip)).toThrow("iput: freeing unlinked inode 2 outside of a transaction");
  });

  test("reservation larger than the log raises RangeError", () => {
    const fs = FileSystem.mount(image());
    expect(() => fs.beginOp(30)).toThrow(
      new RangeError("beginOp: reserve 30 is not an integer from 0 to 29"),
    );
    expect(() => fs.beginOp(Number.NaN)).toThrow(
      new RangeError("beginOp: reserve NaN is not an integer from 0 to 29"),
    );
    expect(() => fs.beginOp("5" as unknown as number)).toThrow(
      new TypeError('beginOp: reserve "5" is not a number'),
    );
    expect(fs.inTransaction).toBe(false);
    expect(fs.panicMessage).toBeNull();
    expect(fs.writeFile("/after", new Uint8Array(3)).ok).toBe(true);
  });

  test("reservations that together overflow the log are a panic", () => {
    const fs = FileSystem.mount(image());
    fs.beginOp(20);
    expect(() => fs.beginOp(10)).toThrow(
      "beginOp: reserving 10 blocks with 20 reserved and 0 logged overflows the log of 29",
    );
  });

  test("endOp releases the reservation", () => {
    const fs = FileSystem.mount(image());
    fs.beginOp(20);
    fs.endOp();
    fs.beginOp(29);
    fs.endOp();
    expect(fs.inTransaction).toBe(false);
  });

  test("endOp without beginOp is a panic", () => {
    const fs = FileSystem.mount(image());
    expect(() => fs.endOp()).toThrow("endOp: no operation is open");
  });

  test("default reservation is MAXOPBLOCKS of the geometry", () => {
    const xv6 = FileSystem.mount(image());
    xv6.beginOp();
    expect(() => xv6.beginOp(20)).toThrow("with 10 reserved");
    const extended = FileSystem.mount(image("extended"));
    extended.beginOp();
    expect(() => extended.beginOp(200)).toThrow("with 64 reserved");
  });
});

describe("group commit", () => {
  test("operations open at once commit together when the last ends", () => {
    const crash = new CrashDevice(image());
    const fs = FileSystem.mount(crash);
    const a = openFile(fs, "/a");
    const b = openFile(fs, "/b");
    const commits = fs.logStats.commits;
    fs.beginOp();
    fs.beginOp();
    fs.writei(a, new Uint8Array(100).fill(1), 0, 100);
    fs.endOp();
    expect(fs.logStats.commits).toBe(commits);
    fs.writei(b, new Uint8Array(100).fill(2), 0, 100);
    fs.endOp();
    expect(fs.logStats.commits).toBe(commits + 1);
    fs.beginOp();
    fs.iput(a);
    fs.iput(b);
    fs.endOp();
    expect(fsck(crash).clean).toBe(true);
  });
});

describe("recovery", () => {
  test("mount installs a committed transaction", () => {
    const crash = new CrashDevice(image());
    const fs = FileSystem.mount(crash);
    createFile(fs, "/a", new Uint8Array(600).fill(5));
    const headerIndex = crash.events
      .filter((e) => e.kind === "write")
      .findIndex((e) => e.blockno === 2);
    const state = crash.crashState(headerIndex + 1);
    const before = fsck(state.device);
    expect(before.pendingLogBlocks).toBeGreaterThan(0);
    expect(before.clean).toBe(true);

    const recovered = FileSystem.mount(state.device);
    expect(recovered.recoveredBlocks).toBe(before.pendingLogBlocks);
    const data = recovered.readFile("/a");
    expect(expectOk(data)).toEqual(new Uint8Array(600).fill(5));
    const after = fsck(state.device);
    expect(after.pendingLogBlocks).toBe(0);
    expect(after.clean).toBe(true);
  });

  test("crash before the header leaves the old disk", () => {
    const crash = new CrashDevice(image());
    const fs = FileSystem.mount(crash);
    createFile(fs, "/a", new Uint8Array(600).fill(5));
    const headerIndex = crash.events
      .filter((e) => e.kind === "write")
      .findIndex((e) => e.blockno === 2);
    const state = crash.crashState(headerIndex);
    const recovered = FileSystem.mount(state.device);
    expect(recovered.recoveredBlocks).toBe(0);
    expect(recovered.readFile("/a").ok).toBe(false);
  });

  test("torn extended header reads as no commit and is cleared", () => {
    const crash = new CrashDevice(image("extended", 800));
    const fs = FileSystem.mount(crash);
    const ip = openFile(fs, "/big");
    fs.beginOp(fs.logCapacity);
    fs.writei(ip, new Uint8Array(200 * 4096).fill(7), 0, 200 * 4096);
    fs.endOp();
    const writes = crash.events.filter((e) => e.kind === "write");
    const headerIndex = writes.findIndex(
      (e) => e.blockno === 1 && decodeLogHeader("extended", e.data).n > 126,
    );
    // Pick a tear that keeps the new first sector, so that n and the checksum are new but later
    // entries are stale. A tear that keeps the old first sector is simply the old header.
    const states = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) =>
      crash.crashState(headerIndex + 1, { tear: true, seed }),
    );
    const state = states.find(
      (s) => decodeLogHeader("extended", s.device.bytes.subarray(4096, 8192)).torn,
    )!;
    expect(state.torn).toBe(headerIndex);

    const report = fsck(state.device);
    expect(report.pendingLogBlocks).toBe(0);
    expect(report.notes.join(" ")).toMatch(/torn write/);
    const recovered = FileSystem.mount(state.device);
    expect(recovered.recoveredBlocks).toBe(0);
    expect(expectOk(recovered.stat("/big")).size).toBe(0);
    expect(decodeLogHeader("extended", state.device.bytes.subarray(4096, 8192))).toMatchObject({
      n: 0,
      torn: false,
    });
  });

  test("read-only mount sees the pending commit without writing", () => {
    const crash = new CrashDevice(image());
    const fs = FileSystem.mount(crash);
    createFile(fs, "/a", new Uint8Array(600).fill(5));
    const headerIndex = crash.events
      .filter((e) => e.kind === "write")
      .findIndex((e) => e.blockno === 2);
    const pending = new CrashDevice(crash.crashState(headerIndex + 1).device);
    const readOnly = FileSystem.mount(pending, { readOnly: true });
    expect(readOnly.readFile("/a").ok).toBe(true);
    expect(readOnly.writeFile("/b", new Uint8Array(1))).toEqual({
      ok: false,
      reason: 'cannot write "/b": the image is mounted read-only',
    });
    expect(() => readOnly.beginOp()).toThrow("beginOp: the file system is mounted read-only");
    expect(pending.writeCount).toBe(0);
  });
});

describe("buffer cache", () => {
  test("logged blocks stay cached while other reads fill the cache", () => {
    const device = image();
    const setup = FileSystem.mount(device);
    for (let i = 0; i < 6; i++) {
      const result = setup.writeFile(`/f${i}`, new Uint8Array(20 * 512).fill(i));
      expect(result.ok).toBe(true);
    }
    const fs = FileSystem.mount(device, { buffers: setup.logCapacity + 8 });
    const ip = openFile(fs, "/pinned");
    fs.beginOp(fs.logCapacity);
    fs.writei(ip, new Uint8Array(20 * 512).fill(9), 0, 20 * 512);
    for (let i = 0; i < 6; i++) {
      const other = fs.namei(`/f${i}`)!;
      const data = new Uint8Array(other.size);
      fs.readi(other, data, 0, other.size);
      expect(data[0]).toBe(i);
      fs.iput(other);
    }
    fs.iput(ip);
    fs.endOp();
    const back = FileSystem.mount(device).readFile("/pinned");
    expect(expectOk(back)).toEqual(new Uint8Array(20 * 512).fill(9));
  });
});

describe("trace", () => {
  test("XV6TS_TRACE=log prints each commit to stderr", () => {
    const script = `
      import { MemoryDevice, mkfs, FileSystem } from ${JSON.stringify(join(import.meta.dirname, "index.ts"))};
      const device = new MemoryDevice(1000, 512);
      mkfs(device);
      FileSystem.mount(device).writeFile("/a", new Uint8Array(10));
    `;
    expect(stderrOf(script, "log")).toMatch(/^\[log\] commit of \d+ blocks: /m);
    expect(stderrOf(script, "")).toBe("");
  });
});

function stderrOf(script: string, trace: string): string {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", script],
    {
      env: { ...process.env, XV6TS_TRACE: trace },
      encoding: "utf8",
    },
  );
  return result.stderr;
}
