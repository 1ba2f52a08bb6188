import { spawn, spawnSync } from "node:child_process";
import { existsSync, linkSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { temporaryFolder } from "../test/helpers";
import { CliError } from "./errors";
import {
  DiskLock,
  inodeLockPathOf,
  isProcessAlive,
  LOCK_FOLDER,
  lockPathOf,
  readHolder,
} from "./lock";

let folder: ReturnType<typeof temporaryFolder>;
let disk: string;
const notes: string[] = [];
const note = (line: string) => notes.push(line);

beforeEach(() => {
  folder = temporaryFolder();
  disk = join(folder.path, "disk.img");
  writeFileSync(disk, "");
  notes.length = 0;
});

afterEach(() => folder.remove());

/** Returns the pid of a process that has exited, so no process has it now. */
function deadPid(): number {
  return Number(spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim());
}

describe("DiskLock", () => {
  test("writes the pid and command, and removes the file on release", () => {
    const lock = DiskLock.acquire(disk, "xv6ts run", note);
    expect(readFileSync(`${disk}.lock`, "utf8")).toBe(`${process.pid} xv6ts run\n`);
    expect(readHolder(`${disk}.lock`)).toEqual({ pid: process.pid, command: "xv6ts run" });
    lock.release();
    expect(existsSync(`${disk}.lock`)).toBe(false);
    expect(notes).toEqual([]);
  });

  test("rejects a lock whose process is alive, naming it", async () => {
    const holder = spawn("sleep", ["30"]);
    try {
      writeFileSync(`${disk}.lock`, `${holder.pid} xv6ts run --disk x\n`);
      expect(() => DiskLock.acquire(disk, "xv6ts ls", note)).toThrow(CliError);
      expect(() => DiskLock.acquire(disk, "xv6ts ls", note)).toThrow(
        `${disk} is in use by process ${holder.pid} (xv6ts run --disk x); quit that xv6ts first, or delete ${disk}.lock if that process is not xv6ts`,
      );
      expect(readFileSync(`${disk}.lock`, "utf8")).toBe(`${holder.pid} xv6ts run --disk x\n`);
    } finally {
      holder.kill();
    }
  });

  test("takes over a stale lock with a note", () => {
    const pid = deadPid();
    expect(isProcessAlive(pid)).toBe(false);
    writeFileSync(`${disk}.lock`, `${pid} xv6ts run\n`);
    const lock = DiskLock.acquire(disk, "xv6ts fsck", note);
    expect(notes).toEqual([`took over ${disk}.lock: its process ${pid} is no longer running`]);
    expect(readHolder(`${disk}.lock`)?.pid).toBe(process.pid);
    lock.release();
  });

  test("takes over a lock file that names no process", () => {
    writeFileSync(`${disk}.lock`, "garbage");
    const lock = DiskLock.acquire(disk, "xv6ts fsck", note);
    expect(notes).toEqual([`took over ${disk}.lock: it did not name a process`]);
    lock.release();
    expect(existsSync(`${disk}.lock`)).toBe(false);
  });

  test("counts references within one process", () => {
    const first = DiskLock.acquire(disk, "xv6ts image migrate", note);
    const second = DiskLock.acquire(disk, "xv6ts image migrate", note);
    expect(second).toBe(first);
    second.release();
    expect(existsSync(`${disk}.lock`)).toBe(true);
    first.release();
    expect(existsSync(`${disk}.lock`)).toBe(false);
  });

  test("leaves a lock another process took over", () => {
    const lock = DiskLock.acquire(disk, "xv6ts run", note);
    writeFileSync(`${disk}.lock`, "1 someone else\n");
    lock.release();
    expect(readFileSync(`${disk}.lock`, "utf8")).toBe("1 someone else\n");
  });

  test("adds a lock keyed by device and inode", () => {
    const inodeLock = inodeLockPathOf(disk)!;
    const { dev, ino } = statSync(disk, { bigint: true });
    expect(inodeLock).toBe(join(LOCK_FOLDER, `${dev}-${ino}.lock`));
    const lock = DiskLock.acquire(disk, "xv6ts run", note);
    expect(readFileSync(inodeLock, "utf8")).toBe(`${process.pid} xv6ts run\n`);
    lock.release();
    expect(existsSync(inodeLock)).toBe(false);
  });

  test("rejects a hard link of a disk in use", () => {
    const hardLink = join(folder.path, "hard.img");
    linkSync(disk, hardLink);
    const inodeLock = inodeLockPathOf(disk)!;
    expect(inodeLockPathOf(hardLink)).toBe(inodeLock);
    const holder = spawn("sleep", ["30"]);
    try {
      writeFileSync(inodeLock, `${holder.pid} xv6ts run --disk x\n`);
      expect(() => DiskLock.acquire(hardLink, "xv6ts cp", note)).toThrow(
        `${hardLink} is in use by process ${holder.pid} (xv6ts run --disk x) under another name of the same file; quit that xv6ts first, or delete ${inodeLock} if that process is not xv6ts`,
      );
      expect(existsSync(`${hardLink}.lock`)).toBe(false);
    } finally {
      holder.kill();
      rmSync(inodeLock, { force: true });
    }
  });

  test("shares one lock between a hard link and its file within a process", () => {
    const hardLink = join(folder.path, "hard.img");
    linkSync(disk, hardLink);
    const first = DiskLock.acquire(disk, "xv6ts image migrate", note);
    const second = DiskLock.acquire(hardLink, "xv6ts image migrate", note);
    expect(second).toBe(first);
    second.release();
    first.release();
    expect(existsSync(inodeLockPathOf(disk)!)).toBe(false);
  });

  test("takes over both stale lock files with one note", () => {
    const pid = deadPid();
    writeFileSync(`${disk}.lock`, `${pid} xv6ts run\n`);
    writeFileSync(inodeLockPathOf(disk)!, `${pid} xv6ts run\n`);
    const lock = DiskLock.acquire(disk, "xv6ts fsck", note);
    expect(notes).toEqual([`took over ${disk}.lock: its process ${pid} is no longer running`]);
    expect(readHolder(inodeLockPathOf(disk)!)?.pid).toBe(process.pid);
    lock.release();
  });

  test("is shared by a symbolic link and its target", () => {
    const link = join(folder.path, "link.img");
    spawnSync("ln", ["-s", disk, link]);
    expect(lockPathOf(link)).toBe(`${disk}.lock`);
  });
});
