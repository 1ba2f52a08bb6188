import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { CrashDevice, DeviceCrashed } from "./crash-device";
import { FileDevice, MemoryDevice, sniffBlockSize } from "./devices";
import { mkfs } from "./mkfs";

const dir = mkdtempSync(join(tmpdir(), "fs-journal-devices-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function block(size: number, fill: number): Uint8Array {
  return new Uint8Array(size).fill(fill);
}

describe("MemoryDevice", () => {
  test("read returns what write stored", () => {
    const device = new MemoryDevice(4, 512);
    device.write(2, block(512, 7));
    const got = new Uint8Array(512);
    device.read(2, got);
    expect(got).toEqual(block(512, 7));
    device.read(1, got);
    expect(got).toEqual(block(512, 0));
    expect(device.stats).toEqual({ reads: 2, writes: 1, flushes: 0 });
  });

  test("access outside the device raises RangeError", () => {
    const device = new MemoryDevice(4, 512);
    expect(() => device.read(4, new Uint8Array(512))).toThrow(
      "read: block 4 is outside the device (blocks 0 to 3)",
    );
    expect(() => device.write(-1, new Uint8Array(512))).toThrow(RangeError);
    expect(() => device.read("3" as unknown as number, new Uint8Array(512))).toThrow(
      new RangeError('read: block "3" is outside the device (blocks 0 to 3)'),
    );
    expect(() => device.write(0, new Uint8Array(100))).toThrow(
      "write: buffer of 100 bytes for 512-byte blocks",
    );
  });

  test("constructor raises argument errors naming the value", () => {
    expect(() => new MemoryDevice("1000" as unknown as number)).toThrow(
      new TypeError('MemoryDevice: block count "1000" is not a number'),
    );
    expect(() => new MemoryDevice(2 ** 40)).toThrow(
      new RangeError(
        `MemoryDevice: ${2 ** 40} blocks of 512 bytes do not fit in one Uint8Array on this host; use a FileDevice`,
      ),
    );
    expect(() => new MemoryDevice(2, 512, new Uint8Array(100))).toThrow(
      new RangeError("MemoryDevice: bytes of 100 bytes is not 2 blocks of 512 bytes"),
    );
    expect(() => new MemoryDevice(1, 512, [0] as unknown as Uint8Array)).toThrow(
      new TypeError("MemoryDevice: bytes 0 is not a Uint8Array"),
    );
    expect(() => MemoryDevice.fromBytes("image" as unknown as Uint8Array)).toThrow(
      new TypeError('MemoryDevice.fromBytes: image "image" is not a Uint8Array'),
    );
  });

  test("fromBytes sniffs the extended block size and drops a partial block", () => {
    const extended = new MemoryDevice(300, 4096);
    mkfs(extended, { geometry: "extended", zeroDataBlocks: false });
    const image = new Uint8Array(extended.bytes.length + 100);
    image.set(extended.bytes);
    const copy = MemoryDevice.fromBytes(image);
    expect(copy.blockSize).toBe(4096);
    expect(copy.blockCount).toBe(300);
    expect(MemoryDevice.fromBytes(new Uint8Array(1300)).blockSize).toBe(512);
    expect(MemoryDevice.fromBytes(new Uint8Array(1300)).blockCount).toBe(2);
  });

  test("clone is independent of the original", () => {
    const device = new MemoryDevice(2, 512);
    const copy = device.clone();
    copy.write(0, block(512, 1));
    expect(device.bytes[0]).toBe(0);
    expect(copy.bytes[0]).toBe(1);
  });

  test("closed device rejects access", () => {
    const device = new MemoryDevice(2, 512);
    device.close();
    expect(() => device.read(0, new Uint8Array(512))).toThrow("read: the memory device is closed");
  });
});

describe("sniffBlockSize", () => {
  test("finds 512 for short or xv6 images", () => {
    expect(sniffBlockSize(new Uint8Array(10))).toBe(512);
    const xv6 = new MemoryDevice(1000, 512);
    mkfs(xv6);
    expect(sniffBlockSize(xv6.bytes.subarray(0, 1024))).toBe(512);
  });
});

describe("FileDevice", () => {
  test("create makes a zero file and writes reach it", () => {
    const path = join(dir, "create.img");
    const device = FileDevice.create(path, 8, 512);
    expect(statSync(path).size).toBe(8 * 512);
    device.write(3, block(512, 9));
    device.flush();
    device.close();
    const bytes = readFileSync(path);
    expect(bytes[3 * 512]).toBe(9);
    expect(bytes[3 * 512 - 1]).toBe(0);
  });

  test("flush is counted once per call", () => {
    const device = FileDevice.create(join(dir, "flush.img"), 2, 512);
    device.flush();
    device.flush();
    expect(device.stats.flushes).toBe(2);
    device.close();
  });

  test("open counts the bytes past the last whole block", () => {
    const path = join(dir, "odd.img");
    writeFileSync(path, new Uint8Array(1000));
    const device = FileDevice.open(path);
    expect(device.blockCount).toBe(1);
    expect(device.trailingBytes).toBe(488);
    device.close();
  });

  test("create removes its file when the host cannot make that size", () => {
    const path = join(dir, "huge.img");
    const error = (() => {
      try {
        FileDevice.create(path, 2 ** 40, 512);
      } catch (caught) {
        return caught as NodeJS.ErrnoException;
      }
      return null;
    })();
    expect(error?.message).toBe(
      `FileDevice.create: a file of ${2 ** 40} blocks of 512 bytes at "${path}" is too large for the host file system`,
    );
    expect(error?.code).toBe("EFBIG");
    expect(existsSync(path)).toBe(false);
  });

  test("create with overwrite keeps the old file when the size cannot be made", () => {
    const path = join(dir, "keep.img");
    const old = new Uint8Array(5120).fill(0x55);
    writeFileSync(path, old);

    expect(() => FileDevice.create(path, 2 ** 40, 512, { overwrite: true })).toThrow(
      `FileDevice.create: a file of ${2 ** 40} blocks of 512 bytes at "${path}" is too large for the host file system`,
    );
    expect(new Uint8Array(readFileSync(path))).toEqual(old);
  });

  test("create with overwrite zeroes every block of a smaller image", () => {
    const path = join(dir, "smaller.img");
    writeFileSync(path, new Uint8Array(5120).fill(0x55));

    const device = FileDevice.create(path, 4, 512, { overwrite: true });
    const block = new Uint8Array(512).fill(1);
    device.read(3, block);
    device.close();

    expect(block).toEqual(new Uint8Array(512));
    expect(readFileSync(path).length).toBe(2048);
  });

  test("create and open raise TypeError for arguments of the wrong type", () => {
    const path = join(dir, "types.img");
    expect(() => FileDevice.create(5 as unknown as string, 8)).toThrow(
      new TypeError("FileDevice.create: path 5 is not a string"),
    );
    expect(() => FileDevice.create(path, "8" as unknown as number)).toThrow(
      new TypeError('FileDevice.create: block count "8" is not a number'),
    );
    expect(() => FileDevice.create(path, 8, "512" as unknown as number)).toThrow(
      new TypeError('FileDevice.create: block size "512" is not a number'),
    );
    expect(() => FileDevice.open(path, { blockSize: 1000 })).toThrow(
      new RangeError("FileDevice.open: block size 1000 is neither 512 nor 4096"),
    );
    expect(existsSync(path)).toBe(false);
  });

  test("open sniffs the block size and rounds a partial block down", () => {
    const memory = new MemoryDevice(300, 4096);
    mkfs(memory, { geometry: "extended", zeroDataBlocks: false });
    const path = join(dir, "extended.img");
    writeFileSync(path, memory.bytes.subarray(0, 299 * 4096 + 1000));
    const device = FileDevice.open(path);
    expect(device.blockSize).toBe(4096);
    expect(device.blockCount).toBe(299);
    const got = new Uint8Array(4096);
    device.read(0, got);
    expect(got).toEqual(memory.bytes.subarray(0, 4096));
    device.close();
  });

  test("read-only device refuses writes", () => {
    const path = join(dir, "readonly.img");
    writeFileSync(path, new Uint8Array(1024));
    const device = FileDevice.open(path, { readOnly: true });
    expect(device.readOnly).toBe(true);
    expect(() => device.write(0, new Uint8Array(512))).toThrow(
      `write: "${path}" is opened read-only`,
    );
    device.close();
  });

  test("create refuses an existing file with EEXIST and leaves it as it was", () => {
    const path = join(dir, "existing.img");
    writeFileSync(path, new Uint8Array(700).fill(5));
    let error: unknown = null;
    try {
      FileDevice.create(path, 8, 512);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as NodeJS.ErrnoException).code).toBe("EEXIST");
    expect((error as Error).message).toBe(
      `FileDevice.create: "${path}" exists; pass { overwrite: true } to replace it`,
    );
    expect(readFileSync(path)).toEqual(Buffer.from(new Uint8Array(700).fill(5)));
  });

  test("create refuses a symbolic link, even to a missing file", () => {
    const target = join(dir, "link-target.img");
    const path = join(dir, "link.img");
    symlinkSync(target, path);
    expect(() => FileDevice.create(path, 8, 512)).toThrow(`"${path}" exists`);
    expect(() => statSync(target)).toThrow("ENOENT");
  });

  test("create with overwrite replaces an existing file by zero blocks", () => {
    const path = join(dir, "replaced.img");
    writeFileSync(path, new Uint8Array(7000).fill(5));
    const device = FileDevice.create(path, 4, 512, { overwrite: true });
    device.close();
    expect(readFileSync(path)).toEqual(Buffer.alloc(4 * 512));
  });

  test("messages quote the host path, escaping control chars", () => {
    const path = join(dir, "new\nline\x1b.img");
    const device = FileDevice.create(path, 1, 512);
    device.close();
    expect(() => device.read(0, new Uint8Array(512))).toThrow(
      `read: "${dir}/new\\x0aline\\x1b.img" is closed`,
    );
  });
});

describe("CrashDevice", () => {
  function recorded(): CrashDevice {
    const crash = new CrashDevice(new MemoryDevice(4, 4096));
    crash.write(0, block(4096, 1));
    crash.flush();
    crash.write(1, block(4096, 2));
    crash.write(2, block(4096, 3));
    crash.flush();
    crash.write(3, block(4096, 4));
    return crash;
  }

  test("records writes and barriers in order", () => {
    const crash = recorded();
    expect(crash.writeCount).toBe(4);
    expect(crash.flushCount).toBe(2);
    expect(crash.events.map((e) => (e.kind === "write" ? `w${e.blockno}` : "f"))).toEqual([
      "w0",
      "f",
      "w1",
      "w2",
      "f",
      "w3",
    ]);
  });

  test("crashState applies the first k writes in order", () => {
    const crash = recorded();
    const state = crash.crashState(2);
    expect(Array.from(state.device.bytes.filter((_, i) => i % 4096 === 0))).toEqual([1, 2, 0, 0]);
    expect(state.applied(1)).toBe(true);
    expect(state.applied(2)).toBe(false);
    expect(state.torn).toBe(-1);
  });

  test("crashStates yields every prefix from 0 to all writes", () => {
    const firstBytes = [...recorded().crashStates()].map((s) =>
      Array.from(s.device.bytes.filter((_, i) => i % 4096 === 0)),
    );
    expect(firstBytes).toEqual([
      [0, 0, 0, 0],
      [1, 0, 0, 0],
      [1, 2, 0, 0],
      [1, 2, 3, 0],
      [1, 2, 3, 4],
    ]);
  });

  test("reorder keeps the writes before the last barrier", () => {
    const crash = recorded();
    for (let seed = 1; seed <= 20; seed++) {
      const state = crash.crashState(3, { reorder: true, seed });
      expect(state.applied(0)).toBe(true);
      expect(state.device.bytes[0]).toBe(1);
      expect(state.device.bytes[4096]).toBe(state.applied(1) ? 2 : 0);
      expect(state.device.bytes[8192]).toBe(state.applied(2) ? 3 : 0);
    }
  });

  test("reorder drops some writes of the open epoch for some seed", () => {
    const crash = recorded();
    const kept = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const state = crash.crashState(3, { reorder: true, seed });
      kept.add(`${state.applied(1)} ${state.applied(2)}`);
    }
    expect(kept).toEqual(new Set(["true true", "true false", "false true", "false false"]));
  });

  test("tear leaves some sectors of the last write old", () => {
    const crash = recorded();
    const state = crash.crashState(4, { tear: true, seed: 9 });
    expect(state.torn).toBe(3);
    expect(state.applied(3)).toBe(false);
    const sectors = new Set(
      [0, 1, 2, 3, 4, 5, 6, 7].map((s) => state.device.bytes[3 * 4096 + s * 512]),
    );
    expect(sectors).toEqual(new Set([0, 4]));
  });

  test("tear has no effect on 512-byte blocks", () => {
    const crash = new CrashDevice(new MemoryDevice(2, 512));
    crash.write(1, block(512, 5));
    const state = crash.crashState(1, { tear: true });
    expect(state.torn).toBe(-1);
    expect(state.device.bytes[512]).toBe(5);
  });

  test("crashAfter stops a live run after k writes", () => {
    const inner = new MemoryDevice(4, 512);
    const crash = new CrashDevice(inner, { crashAfter: 1 });
    crash.write(0, block(512, 1));
    expect(crash.crashed).toBe(true);
    expect(() => crash.write(1, block(512, 2))).toThrow(DeviceCrashed);
    expect(() => crash.flush()).toThrow(DeviceCrashed);
    expect(inner.bytes[512]).toBe(0);
  });

  test("replays start from the image at construction", () => {
    const inner = new MemoryDevice(2, 512);
    inner.write(0, block(512, 8));
    const crash = new CrashDevice(inner);
    crash.write(1, block(512, 9));
    expect(crash.crashState(0).device.bytes[0]).toBe(8);
    expect(crash.crashState(0).device.bytes[512]).toBe(0);
    expect(() => crash.crashState(2)).toThrow(RangeError);
  });
});
