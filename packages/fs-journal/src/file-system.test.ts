import { describe, expect, test } from "vitest";
import { CrashDevice } from "./crash-device";
import { MemoryDevice } from "./devices";
import { FsPanic } from "./diagnostics";
import { FileSystem } from "./file-system";
import { T_FILE } from "./format";
import { fsck } from "./fsck";
import { mkfs } from "./mkfs";

function image(): MemoryDevice {
  const device = new MemoryDevice(1000, 512);
  mkfs(device, { files: [{ path: "/a", data: new Uint8Array(700).fill(7) }] });
  return device;
}

/** Returns what work throws, or null. */
function caught(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return null;
}

describe("a panic stops the file system", () => {
  const first = "logWrite: too big a transaction";
  const stopped = `the file system stopped after an earlier panic: ${first}`;

  test("every later call raises FsPanic naming the first panic and writes nothing", () => {
    const crash = new CrashDevice(image());
    const fs = FileSystem.mount(crash);
    fs.beginOp();
    const ip = fs.create("/big", T_FILE, 0, 0)!;
    fs.endOp();
    expect(fs.panicMessage).toBeNull();

    // writei logs 29 blocks, then panics at the 30th, leaving a half-done write in the cache.
    fs.beginOp(fs.logCapacity);
    const error = caught(() => fs.writei(ip, new Uint8Array(30 * 512), 0, 30 * 512));
    expect(error).toBeInstanceOf(FsPanic);
    expect((error as Error).message).toBe(first);
    expect(fs.panicMessage).toBe(first);
    const writes = crash.writeCount;
    const flushes = crash.flushCount;

    const calls: Array<() => unknown> = [
      () => fs.endOp(),
      () => fs.beginOp(),
      () => fs.iput(ip),
      () => fs.iget(1),
      () => fs.iupdate(ip),
      () => fs.readi(ip, new Uint8Array(1), 0, 1),
      () => fs.writei(ip, new Uint8Array(1), 0, 1),
      () => fs.namei("/a"),
      () => fs.unlink("/a"),
      () => fs.readFile("/a"),
      () => fs.writeFile("/b", new Uint8Array(1)),
      () => fs.listDir("/"),
      () => fs.mkdir("/d"),
      () => fs.remove("/a"),
      () => fs.stat("/a"),
      () => fs.freeBlocks(),
      () => fs.shutdown(),
    ];
    for (const call of calls) {
      const later = caught(call);
      expect(later).toBeInstanceOf(FsPanic);
      expect((later as Error).message).toBe(stopped);
    }
    expect(fs.panicMessage).toBe(first);
    expect(crash.writeCount).toBe(writes);
    expect(crash.flushCount).toBe(flushes);

    // The disk contains what committed before the panic: /big, empty.
    expect(fsck(crash).problems).toEqual([]);
    const again = FileSystem.mount(crash);
    expect(again.stat("/big")).toMatchObject({ ok: true, value: { size: 0 } });
    expect(again.readFile("/a")).toEqual({ ok: true, value: new Uint8Array(700).fill(7) });
  });

  test("a panic inside a host call stops it too", () => {
    const fs = FileSystem.mount(image());
    fs.beginOp();
    expect(() => fs.writeFile("/b", new Uint8Array(1))).toThrow(
      "host API: called while an operation is open",
    );
    expect(fs.panicMessage).toBe("host API: called while an operation is open");
    expect(() => fs.endOp()).toThrow(
      "the file system stopped after an earlier panic: host API: called while an operation is open",
    );
  });

  test("failure values do not stop it", () => {
    const fs = FileSystem.mount(image());
    expect(fs.readFile("/missing").ok).toBe(false);
    expect(fs.writeFile("/a", new Uint8Array(fs.maxFileBytes + 1)).ok).toBe(false);
    expect(fs.panicMessage).toBeNull();
    expect(fs.readFile("/a").ok).toBe(true);
  });
});
