/**
 * The host API. Images written by earlier versions (committed fixtures) must stay readable. An
 * image restarts as a new child of init, a process can be saved from the host, and an image
 * copied to a disk of the other geometry restarts there. A restart gives notes for descriptors
 * and working directories it cannot restore.
 */
import { readFileSync } from "node:fs";
import { FileSystem, fsck, type MemoryDevice } from "@xv6ts/fs-journal";
import { describe, expect, it } from "vitest";
import {
  type CheckpointImage,
  checkpointProcess,
  copyImage,
  decodeImage,
  encodeImage,
  inspectImage,
  installCheckpoint,
  restartProcess,
  type SaveResult,
} from "../src/index.js";
import { copyDevice, makeDisk, Session } from "./session.js";
import { runUninterrupted, runWithCheckpoints, summaryOf } from "./transparency.js";

function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
}

/** Writes files onto a disk no kernel runs on. */
function writeFiles(device: MemoryDevice, files: Record<string, Uint8Array>): void {
  const fs = FileSystem.mount(device);
  for (const [path, data] of Object.entries(files)) expect(fs.writeFile(path, data).ok).toBe(true);
  fs.shutdown();
}

function exists(device: MemoryDevice, path: string): boolean {
  return FileSystem.mount(device, { readOnly: true }).stat(path).ok;
}

/** Reads and decodes the image file at `path` on a disk no kernel runs on. */
function decodedFile(device: MemoryDevice, path: string): CheckpointImage {
  const read = FileSystem.mount(device, { readOnly: true }).readFile(path);
  if (!read.ok) throw new Error(read.reason);
  const decoded = decodeImage(read.value);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.image;
}

/** Runs `edit` on a mounted disk no kernel runs on. */
function editDisk(device: MemoryDevice, edit: (fs: FileSystem) => void): void {
  const fs = FileSystem.mount(device);
  edit(fs);
  fs.shutdown();
}

describe("images of format version 1.0", () => {
  it("decode with the values they were saved with", () => {
    const mounted = makeDisk();
    writeFiles(mounted, {
      "/self": fixture("v1.0-ctself.ckpt"),
      "/read": fixture("v1.0-ctread.ckpt"),
    });
    const fs = FileSystem.mount(mounted, { readOnly: true });

    const self = inspectImage(fs, "/self");
    expect(self).toMatchObject({
      ok: true,
      summary: {
        format: "1.0",
        checksums: { ok: true, problems: [] },
        name: "ctself",
        pid: 3,
        parentPid: 2,
        sz: 0x7000,
        state: "saved itself",
        registers: { eax: 1, cs: 0x1b, ss: 0x23, ds: 0x23, es: 0x23 },
        pages: { present: 7, zero: 4, guard: 1 },
        cwd: { inum: 1, path: "/" },
      },
    });

    const read = inspectImage(fs, "/read");
    expect(read).toMatchObject({
      ok: true,
      summary: {
        name: "ctread",
        state: "blocked in sleep",
        blockedSyscall: 13,
        registers: { eax: 13 },
      },
    });
    const descriptors = read.ok ? read.summary.descriptors : [];
    expect(
      descriptors.map(({ fd, kind, path, sharesWith, readable, writable }) => ({
        fd,
        kind,
        path,
        sharesWith,
        readable,
        writable,
      })),
    ).toEqual([
      { fd: 0, kind: "device", path: "/console", sharesWith: null, readable: true, writable: true },
      { fd: 1, kind: "device", path: "/console", sharesWith: 0, readable: true, writable: true },
      { fd: 2, kind: "device", path: "/console", sharesWith: 0, readable: true, writable: true },
      { fd: 3, kind: "file", path: "/ls", sharesWith: null, readable: true, writable: false },
      { fd: 4, kind: "file", path: "/ls", sharesWith: 3, readable: true, writable: false },
    ]);
    expect(descriptors[3]!.offset).toBe(2048);
  });

  it("restart and carry on", async () => {
    const device = makeDisk();
    writeFiles(device, { "/self": fixture("v1.0-ctself.ckpt") });
    const session = await Session.boot(device);
    expect(await session.run("restart /self")).toBe(
      "restart /self\nctself: checkpoint returned 1\nctself: after global 0xf87235b\n$ ",
    );
    await session.shutdown();
  });

  it("give a summary that survives JSON", () => {
    const device = makeDisk();
    writeFiles(device, { "/self": fixture("v1.0-ctself.ckpt") });
    const inspected = inspectImage(FileSystem.mount(device, { readOnly: true }), "/self");
    expect(inspected.ok).toBe(true);
    if (!inspected.ok) return;
    expect(JSON.parse(JSON.stringify(inspected.summary))).toEqual(inspected.summary);
  });
});

describe("restartProcess", () => {
  it("starts the image as a child of init with its registers and memory", async () => {
    const workload = { command: "ctsleep", name: "ctsleep" };
    const saved = await runWithCheckpoints(workload, [{ atTick: 50 }, { atTick: 1 }]);
    const read = FileSystem.mount(saved.device, { readOnly: true }).readFile("/ck1");
    if (!read.ok) throw new Error(read.reason);
    const image = decodeImage(read.value);
    if (!image.ok) throw new Error(image.reason);

    const session = await Session.boot(copyDevice(saved.device));
    const start = session.text.length;
    const result = restartProcess(session.kernel, "/ck1");
    expect(result).toMatchObject({ ok: true, notes: [] });
    const pid = result.ok ? result.pid : -1;
    expect(session.kernel.processes().find((p) => p.pid === pid)).toMatchObject({
      name: "ctsleep",
      parentPid: 1,
      size: image.image.process.sz,
      state: "runnable",
    });
    expect(session.kernel.registers(pid)).toEqual(image.image.registers);
    const map = session.kernel.memoryMap(pid)!.map(({ va, flags }) => ({ va, flags: flags & 7 }));
    expect(map).toEqual(image.image.pages.map(({ va, flags }) => ({ va, flags })));

    await session.until(() => !session.alive(pid), "the restarted process has ended");
    const uninterrupted = await runUninterrupted(workload);
    expect(saved.segments[0]! + session.text.slice(start)).toBe(uninterrupted.output);
    await session.shutdown();
  });

  it("rejects what cannot be saved or restarted", async () => {
    const session = await Session.boot(makeDisk());
    expect(checkpointProcess(session.kernel, 99, "/x")).toEqual({
      ok: false,
      reason: "no process has pid 99",
    });
    expect(checkpointProcess(session.kernel, 1, "/x")).toEqual({
      ok: false,
      reason: "pid 1 is init, which cannot be saved",
    });
    expect(restartProcess(session.kernel, "/x")).toEqual({
      ok: false,
      reason: "/x: file not found",
    });
    expect(restartProcess(session.kernel, "/ls")).toEqual({
      ok: false,
      reason: "/ls: not a checkpoint image (the magic number does not match)",
    });
    expect(restartProcess(session.kernel, "/")).toEqual({
      ok: false,
      reason: "/: is a directory, not an image file",
    });
    await session.shutdown();
  });

  it("rejects an empty path with a reason", async () => {
    const session = await Session.boot(makeDisk());
    const kernel = session.kernel;
    const reason = 'the path is empty; name an image file, such as "/c4"';
    expect(checkpointProcess(kernel, 2, "")).toEqual({ ok: false, reason });
    expect(restartProcess(kernel, "")).toEqual({ ok: false, reason });
    const fs = kernel.extension.fileSystem;
    expect(inspectImage(fs, "")).toEqual({ ok: false, reason });
    expect(copyImage(fs, "", fs, "/y")).toEqual({ ok: false, reason });
    expect(kernel.processes().map((process) => process.state)).toEqual(["sleeping", "sleeping"]);
    await session.shutdown();
  });

  it("raises a TypeError for arguments of the wrong type", async () => {
    const session = await Session.boot(makeDisk());
    const kernel = session.kernel;
    const fs = kernel.extension.fileSystem;
    const anyValue = (value: unknown) => value as never;

    expect(() => checkpointProcess(kernel, 2, anyValue(5))).toThrow(
      new TypeError("checkpointProcess: path must be a string, got 5"),
    );
    expect(() => checkpointProcess(kernel, anyValue("2"), "/x")).toThrow(
      new TypeError('checkpointProcess: pid must be a number, got "2"'),
    );
    expect(() => checkpointProcess(kernel, anyValue(2n), "/x")).toThrow(
      new TypeError("checkpointProcess: pid must be a number, got 2n (a bigint)"),
    );
    expect(() => checkpointProcess(kernel, Number.NaN, "/x")).toThrow(
      new RangeError("checkpointProcess: pid NaN is not an integer"),
    );
    expect(() => checkpointProcess(anyValue({}), 2, "/x")).toThrow(
      new TypeError("checkpointProcess: kernel must be a Kernel of @xv6ts/kernel, got an object"),
    );

    expect(() => restartProcess(kernel, anyValue(null))).toThrow(
      new TypeError("restartProcess: path must be a string, got null"),
    );
    expect(() => inspectImage(fs, anyValue(7))).toThrow(
      new TypeError("inspectImage: path must be a string, got 7"),
    );
    expect(() => inspectImage(anyValue(undefined), "/x")).toThrow(
      new TypeError(
        "inspectImage: fs must be a mounted FileSystem of @xv6ts/fs-journal, got undefined",
      ),
    );
    expect(() => copyImage(fs, "/x", fs, anyValue(3))).toThrow(
      new TypeError("copyImage: toPath must be a string, got 3"),
    );

    // The shell (pid 2) was neither frozen nor saved, and no file appeared.
    expect(kernel.processes().map((process) => process.state)).toEqual(["sleeping", "sleeping"]);
    expect(fs.stat("/x").ok).toBe(false);
    await session.shutdown();
  });

  it("gives back everything when the kernel refuses the process", async () => {
    const device = makeDisk();
    writeFiles(device, { "/self": fixture("v1.0-ctself.ckpt") });
    // Two process slots: init and sh take both.
    const session = await Session.boot(device, { nproc: 2 });
    const frames = session.kernel.freeFrames;
    const files = session.kernel.openFiles;
    expect(restartProcess(session.kernel, "/self")).toEqual({
      ok: false,
      reason: "/self: no free process slot",
    });
    expect(session.kernel.freeFrames).toBe(frames);
    expect(session.kernel.openFiles).toBe(files);
    await session.shutdown();
  });

  it("notes a console descriptor the lender does not have", async () => {
    const image = decodeImage(fixture("v1.0-ctself.ckpt"));
    if (!image.ok) throw new Error(image.reason);
    const { process, registers, cwd, descriptors, pages } = image.image;
    descriptors.push({ ...descriptors[0]!, fd: 5 });
    const device = makeDisk();
    writeFiles(device, { "/five": encodeImage({ process, registers, cwd, descriptors, pages }) });
    const session = await Session.boot(device);
    expect(restartProcess(session.kernel, "/five")).toMatchObject({
      ok: true,
      notes: ["restart: fd 5 was the console, but the caller has no fd 5; it stays closed"],
    });
    await session.shutdown();
  });

  it("rejects a process inside a system call", async () => {
    const device = makeDisk();
    const session = await Session.boot(device);
    const results: SaveResult[] = [];
    // Output arrives while the writer is inside its write call.
    const remove = session.kernel.onOutput((bytes) => {
      // The console echoes typed input as well; only echo's own write comes from a process.
      if (session.pidOf("echo") > 0 && Buffer.from(bytes).toString("latin1").includes("marker")) {
        results.push(checkpointProcess(session.kernel, session.pidOf("echo"), "/mid.img"));
      }
    });
    expect(await session.run("echo marker")).toBe("echo marker\nmarker\n$ ");
    remove();
    expect(results).toEqual([
      {
        ok: false,
        reason:
          "pid 3 is in the middle of a system call; try again once the call has returned or blocked",
      },
    ]);
    await session.shutdown();
    expect(exists(device, "/mid.img")).toBe(false);
  });

  it("saves a console reader from a console-wait listener", async () => {
    const device = makeDisk();
    const session = await Session.boot(device);
    const results: SaveResult[] = [];
    const remove = session.kernel.onConsoleWait((pid) => {
      if (results.length === 0) results.push(checkpointProcess(session.kernel, pid, "/wait.img"));
    });
    await session.run("echo");
    remove();
    await session.shutdown();
    // The kernel calls the listener once it has parked the reader, so the image re-issues the read.
    expect(results).toMatchObject([{ ok: true, path: "/wait.img" }]);
    expect(summaryOf(device, "/wait.img")).toMatchObject({ state: "blocked in read" });
    const { registers, pages } = decodedFile(device, "/wait.img");
    const page = pages.find((candidate) => candidate.va === (registers.eip & ~0xfff));
    const at = registers.eip & 0xfff;
    expect(Array.from(page?.bytes?.subarray(at, at + 2) ?? [])).toEqual([0xcd, 0x40]);
  });

  it("rejects a path element longer than a file name", async () => {
    const device = makeDisk();
    writeFiles(device, { "/self": fixture("v1.0-ctself.ckpt") });
    const session = await Session.boot(device);
    const kernel = session.kernel;
    const reason =
      '"averyveryverylongname" in /averyveryverylongname is 21 bytes, longer than the 14 bytes of an xv6 file name';
    expect(checkpointProcess(kernel, 2, "/averyveryverylongname")).toEqual({ ok: false, reason });
    expect(restartProcess(kernel, "/averyveryverylongname")).toEqual({ ok: false, reason });
    const fs = kernel.extension.fileSystem;
    expect(inspectImage(fs, "/averyveryverylongname")).toEqual({ ok: false, reason });
    expect(copyImage(fs, "/self", fs, "/averyveryverylongname")).toEqual({ ok: false, reason });
    expect(checkpointProcess(kernel, 2, "/a\0b")).toEqual({
      ok: false,
      reason: '"/a\\u0000b" contains a NUL byte',
    });
    expect(checkpointProcess(kernel, 2, "/caf\u20ac")).toEqual({
      ok: false,
      reason: '"/caf€" has a character above 0xff; names are bytes, one per character',
    });
    expect(fs.stat("/averyveryveryl").ok).toBe(false);

    expect(checkpointProcess(kernel, 2, "fourteen-bytes")).toMatchObject({
      ok: true,
      path: "/fourteen-bytes",
    });
    await session.shutdown();
    expect(summaryOf(device, "/fourteen-bytes")).toMatchObject({ name: "sh", pid: 2 });
  });

  it("saves a stopped process and leaves it stopped", async () => {
    const device = makeDisk();
    const session = await Session.boot(device);
    const shell = session.kernel.extension.findProcess(2)!;
    expect(shell.freeze()).toBe(true);
    expect(checkpointProcess(session.kernel, 2, "/sh.img")).toMatchObject({ ok: true });
    expect(shell.state).toBe("stopped");
    expect(shell.thaw()).toBe(true);
    await session.shutdown();
  });

  it("saves the shell itself from the host", async () => {
    const device = makeDisk();
    const session = await Session.boot(device);
    const saved = checkpointProcess(session.kernel, 2, "/sh.img");
    expect(saved).toMatchObject({ ok: true, warnings: [] });
    await session.shutdown();
    expect(summaryOf(device, "/sh.img")).toMatchObject({
      name: "sh",
      pid: 2,
      state: "blocked in read",
    });
  });
});

describe("copyImage", () => {
  it("migrates an image to a disk of the other geometry", async () => {
    const workload = { command: "ctsleep", name: "ctsleep", disk: { geometry: "xv6" as const } };
    const saved = await runWithCheckpoints(workload, [{ atTick: 80 }, { atTick: 1 }]);
    const target = makeDisk({ geometry: "extended" });
    const from = FileSystem.mount(saved.device, { readOnly: true });
    const to = FileSystem.mount(target);
    expect(copyImage(from, "/ck1", to, "/moved")).toMatchObject({ ok: true });
    to.shutdown();
    expect(fsck(target).problems).toEqual([]);

    const session = await Session.boot(target);
    const rest = await session.run("restart /moved");
    const uninterrupted = await runUninterrupted(workload);
    expect(saved.segments[0]! + rest.slice("restart /moved\n".length, -2)).toBe(
      uninterrupted.output,
    );
    await session.shutdown();
  });

  it("writes nothing to a disk without room for the image", () => {
    const source = makeDisk();
    writeFiles(source, { "/self": fixture("v1.0-ctself.ckpt") });
    const from = FileSystem.mount(source, { readOnly: true });
    // A small disk with no /.ckpt, filled up to 2 free blocks.
    const target = makeDisk({ size: 1200 });
    editDisk(target, (fs) => {
      for (let n = 0; fs.freeBlocks() > 2; n++) {
        const blocks = Math.min(fs.freeBlocks() - 2, 11);
        expect(fs.writeFile(`/fill${n}`, new Uint8Array(blocks * fs.blockSize)).ok).toBe(true);
      }
    });
    const before = target.snapshot();
    const to = FileSystem.mount(target);
    const copied = copyImage(from, "/self", to, "/c4");
    expect(copied).toEqual({
      ok: false,
      // 4 blocks of data and the first block of /.ckpt.
      reason: `the disk has 2 free blocks, but the image needs 5 (its ${fixture("v1.0-ctself.ckpt").length} bytes, their index blocks and directory entries)`,
    });
    to.shutdown();
    expect(Buffer.from(target.snapshot()).equals(Buffer.from(before))).toBe(true);
  });

  it("refuses a damaged image and leaves the target alone", () => {
    const source = makeDisk();
    const damaged = fixture("v1.0-ctself.ckpt");
    damaged[5000] ^= 1;
    writeFiles(source, { "/bad": damaged });
    const target = makeDisk();
    const free = FileSystem.mount(target, { readOnly: true }).freeBlocks();
    const to = FileSystem.mount(target);
    expect(copyImage(FileSystem.mount(source, { readOnly: true }), "/bad", to, "/bad")).toEqual({
      ok: false,
      reason: "/bad: record 8 (page at 0x2000) has a bad checksum",
    });
    expect(to.freeBlocks()).toBe(free);
    expect(to.stat("/bad").ok).toBe(false);
  });
});

describe("restart notes", () => {
  /** Saves `ctread /data` half way on a disk with /data, in /d, and returns that disk. */
  async function savedReader(): Promise<MemoryDevice> {
    const data = new Uint8Array(4000).map((_, i) => (i * 7) & 0xff);
    const device = makeDisk({ files: [{ path: "/data", data }] });
    editDisk(device, (fs) => expect(fs.mkdir("/d").ok).toBe(true));
    const session = await Session.boot(device);
    expect(await session.run("cd /d")).toBe("cd /d\n$ ");
    await session.run("/ckptat 15 /ck /ctread /data");
    await session.shutdown();
    return device;
  }

  async function restartNotes(device: MemoryDevice): Promise<{ notes: string[]; cwd: string }> {
    const session = await Session.boot(device);
    const result = restartProcess(session.kernel, "/ck");
    if (!result.ok) throw new Error(result.reason);
    const cwd = session.kernel.extension.findProcess(result.pid)!.cwd().path;
    await session.shutdown();
    return { notes: result.notes, cwd };
  }

  it("restores the working directory and files when nothing changed", async () => {
    expect(await restartNotes(copyDevice(await savedReader()))).toEqual({ notes: [], cwd: "/d" });
  });

  it("closes files that are gone, replaced or shorter", async () => {
    const saved = await savedReader();
    const removed = copyDevice(saved);
    editDisk(removed, (fs) => expect(fs.remove("/data").ok).toBe(true));
    expect((await restartNotes(removed)).notes).toEqual([
      "restart: fd 3 closed: /data no longer exists",
      "restart: fd 4 shared fd 3's open file, which was closed; it is closed too",
    ]);

    const replaced = copyDevice(saved);
    editDisk(replaced, (fs) => {
      const old = fs.stat("/data");
      expect(fs.remove("/data").ok).toBe(true);
      expect(fs.writeFile("/other", new Uint8Array(1)).ok).toBe(true);
      expect(fs.writeFile("/data", new Uint8Array(4000)).ok).toBe(true);
      expect(fs.stat("/data")).not.toEqual(old);
    });
    expect((await restartNotes(replaced)).notes[0]).toMatch(
      /^restart: fd 3 closed: \/data is now inode \d+ \(file\), not inode \d+ \(file\)$/,
    );

    const shorter = copyDevice(saved);
    editDisk(shorter, (fs) => expect(fs.writeFile("/data", new Uint8Array(100)).ok).toBe(true));
    expect((await restartNotes(shorter)).notes[0]).toBe(
      "restart: fd 3 closed: /data is 100 bytes, shorter than the saved offset 2048",
    );
  });

  it("falls back to / when the working directory is gone", async () => {
    const device = copyDevice(await savedReader());
    editDisk(device, (fs) => expect(fs.remove("/d").ok).toBe(true));
    expect(await restartNotes(device)).toEqual({
      notes: ["restart: working directory /d is gone or not a directory; using /"],
      cwd: "/",
    });
  });
});

describe("installCheckpoint", () => {
  it("fails a second time before it sweeps anything", async () => {
    const session = await Session.boot(makeDisk());
    const fs = session.kernel.extension.fileSystem;
    expect(fs.mkdir("/.ckpt").ok).toBe(true);
    expect(fs.writeFile("/.ckpt/9.0", new Uint8Array(10)).ok).toBe(true);

    expect(() => installCheckpoint(session.kernel)).toThrow(
      "registerSyscall: system call 22 is already registered as checkpoint",
    );
    expect(fs.readFile("/.ckpt/9.0")).toEqual({ ok: true, value: new Uint8Array(10) });
    await session.shutdown();
  });
});
