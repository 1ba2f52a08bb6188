/**
 * Stops that are not kernel bugs: init exiting (`kill 1` from any user does it) rejects `run()`
 * with InitExitError, and a disk found damaged while the kernel runs rejects it with DiskError.
 * Both print one console line first and leave the disk flushed, with nothing new for fsck.
 */
import {
  CrashDevice,
  FileSystem,
  FsFormatError,
  fsck,
  type Inode,
  MemoryDevice,
  mkfs,
  T_DIR,
} from "@xv6ts/fs-journal";
import { describe, expect, it } from "vitest";
import { DiskError, InitExitError, Kernel, KernelPanic } from "./constants.js";
import { exitProgram } from "./probes.js";
import { makeImage, Session } from "./session.js";

/** Returns the error `promise` rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

/** Changes the on-disk inode at `path` through a mounted file system, in one transaction. */
function damageInode(device: MemoryDevice, path: string, damage: (ip: Inode) => void): number {
  const fs = FileSystem.mount(device);
  fs.beginOp();
  const ip = fs.namei(path)!;
  damage(ip);
  fs.iupdate(ip);
  const inum = ip.inum;
  fs.iput(ip);
  fs.endOp();
  fs.shutdown();
  return inum;
}

/** Boots `device` behind a recording device; returns the session and the recorder. */
function bootRecorded(device: MemoryDevice): { session: Session; crash: CrashDevice } {
  const crash = new CrashDevice(device);
  return { session: new Session({ device: crash }), crash };
}

/** Expects the file system to be shut down and the device's last event to be a flush. */
function expectFlushed(kernel: Kernel, crash: CrashDevice): void {
  expect(crash.events.at(-1)?.kind).toBe("flush");
  expect(() => kernel.extension.fileSystem.beginOp()).toThrow(
    "beginOp: the file system is shut down",
  );
}

describe("init exiting", () => {
  it("rejects run with InitExitError", async () => {
    const device = new MemoryDevice(1000, 512);
    mkfs(device, { geometry: "xv6", size: 1000, files: [{ path: "/init", data: exitProgram() }] });
    const crash = new CrashDevice(device);
    let output = "";
    const kernel = new Kernel({
      device: crash,
      memorySize: 4 * 1024 * 1024,
      output: (bytes) => {
        output += Buffer.from(bytes).toString("latin1");
      },
    });
    kernel.boot();

    const error = await rejection(kernel.run());
    expect(error).toBeInstanceOf(InitExitError);
    expect(error).not.toBeInstanceOf(KernelPanic);
    expect(error.name).toBe("InitExitError");
    expect(error.message).toBe("init exiting");
    expect(output.endsWith("bmap start 58\npanic: init exiting\n")).toBe(true);
    expectFlushed(kernel, crash);
    await kernel.shutdown();
  });

  it("follows kill 1 typed in sh", async () => {
    const device = makeImage({ programs: ["init", "sh", "kill"] });
    const { session, crash } = bootRecorded(device);
    await session.waitForConsoleWaits(1);
    session.kernel.input("kill 1\n");

    const error = await rejection(session.running);
    expect(error).toBeInstanceOf(InitExitError);
    expect(session.text.endsWith("$ kill 1\npanic: init exiting\n")).toBe(true);
    expectFlushed(session.kernel, crash);
    expect(fsck(device).problems).toEqual([]);
    await session.shutdown();
  });
});

describe("damaged disk", () => {
  it("rejects run with DiskError when exec meets a bad block address", async () => {
    const device = makeImage({ programs: ["init", "sh"] });
    const inum = damageInode(device, "/sh", (ip) => {
      ip.addrs[0] = 0xfffffff0;
    });
    const problems = fsck(device).problems;
    const { session, crash } = bootRecorded(device);

    const error = await rejection(session.running);
    expect(error).toBeInstanceOf(DiskError);
    expect(error).not.toBeInstanceOf(KernelPanic);
    expect(error.name).toBe("DiskError");
    expect(error.cause).toBeInstanceOf(FsFormatError);
    const damage = `inode ${inum} refers to block 4294967280, outside the data blocks (59 to 3999)`;
    expect((error.cause as Error).message).toBe(`${damage}; run fsck`);
    expect(error.message).toBe(`the disk is damaged: ${damage}; run fsck on the disk image`);
    expect(
      session.text.endsWith(`disk error: ${damage}; the kernel stops, run fsck on the disk\n`),
    ).toBe(true);
    expectFlushed(session.kernel, crash);
    expect(fsck(device).problems).toEqual(problems);
    await session.shutdown();
  });

  it("rejects run with DiskError when a path meets a bad directory size", async () => {
    const device = makeImage({ programs: ["init", "sh", "echo"] });
    const fs = FileSystem.mount(device);
    expect(fs.mkdir("/d").ok).toBe(true);
    fs.shutdown();
    const inum = damageInode(device, "/d", (ip) => {
      expect(ip.type).toBe(T_DIR);
      ip.size = 0xfffffff0;
    });
    const problems = fsck(device).problems;
    const { session, crash } = bootRecorded(device);
    await session.waitForConsoleWaits(1);
    session.kernel.input("echo hi > /d/f\n");

    const error = await rejection(session.running);
    expect(error).toBeInstanceOf(DiskError);
    const damage =
      `directory inode ${inum} has size 4294967280, which is not a whole number of 16-byte ` +
      "entries within the disk's 3941 data blocks";
    expect(error.message).toBe(`the disk is damaged: ${damage}; run fsck on the disk image`);
    expect(session.text.split("\n").at(-2)).toBe(
      `disk error: ${damage}; the kernel stops, run fsck on the disk`,
    );
    expectFlushed(session.kernel, crash);
    expect(fsck(device).problems).toEqual(problems);
    await session.shutdown();
  });
});
