/**
 * Disk locks: one xv6ts process at a time on a disk image file.
 *
 * The lock of `disk.img` is the file `disk.img.lock` next to it (next to the real file when the
 * path is a symbolic link), holding one line: the holder's pid, a space, and its command line.
 * It is written to a temporary name first and then hard-linked into place, which fails when the
 * lock exists (the exclusive create of `wx`, but never showing a half-written lock).
 *
 * A lock whose pid is alive makes acquire() raise a CliError naming that pid. A lock whose pid is
 * gone is stale: it is renamed away (only one of two racing processes can do so), checked to be
 * the same stale lock, removed, and taken with a one-line note. Every lock this process holds is
 * removed by release(), and by an `exit` handler as a last resort, so that every exit path,
 * signals included (main.ts turns them into an orderly exit), releases it.
 */
import {
  linkSync,
  readFileSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, resolve } from "node:path";
import { CliError, describeHostError, systemErrorCode } from "./errors";

/** The process holding a lock, as its lock file records it. */
export interface LockHolder {
  pid: number;
  command: string;
}

/** Locks this process holds, by lock file path. */
const held = new Map<string, DiskLock>();
let exitHandlerInstalled = false;

/** Returns the lock file path of a disk image path. */
export function lockPathOf(diskPath: string): string {
  let real = resolve(diskPath);
  try {
    real = realpathSync(real);
  } catch {
    // A disk that does not exist yet (mkfs) is locked under the path as given.
  }
  return `${real}.lock`;
}

/** Reads a lock file; null when it is missing, and a pid of 0 when it is not an xv6ts lock. */
export function readHolder(lockPath: string): LockHolder | null {
  let text: string;
  try {
    text = readFileSync(lockPath, "utf8");
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return null;
    throw describeHostError(error, "read the lock file", lockPath);
  }
  const match = /^(\d+) ?([^\n]*)/.exec(text);
  if (!match) return { pid: 0, command: "" };
  return { pid: Number(match[1]), command: match[2]! };
}

/** Returns whether a process with this pid exists (one of another user counts). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return systemErrorCode(error) === "EPERM";
  }
}

/** A lock on one disk image held by this process. */
export class DiskLock {
  private released = false;

  private constructor(
    readonly diskPath: string,
    readonly lockPath: string,
    private readonly content: string,
    private references: number,
  ) {}

  /**
   * Takes the lock of `diskPath` for `command`, taking over a stale lock with a note through
   * `note`. Raises a CliError when a live process holds it. Taking a lock this process already
   * holds returns it again; each acquire needs its own release.
   */
  static acquire(diskPath: string, command: string, note: (line: string) => void): DiskLock {
    const lockPath = lockPathOf(diskPath);
    const mine = held.get(lockPath);
    if (mine !== undefined) {
      mine.references++;
      return mine;
    }
    const content = `${process.pid} ${command.replace(/\n/g, " ")}\n`;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (tryCreate(lockPath, content)) {
        const lock = new DiskLock(diskPath, lockPath, content, 1);
        remember(lock);
        return lock;
      }
      const holder = readHolder(lockPath);
      if (holder === null) continue;
      if (isProcessAlive(holder.pid)) throw heldError(diskPath, lockPath, holder);
      if (takeOverStale(lockPath, holder)) note(staleNote(lockPath, holder));
    }
    throw new CliError(
      `cannot lock ${diskPath}: ${basename(lockPath)} keeps changing, so another xv6ts is starting on it; try again`,
    );
  }

  /** Removes the lock file when the last reference goes, unless another process took it over. */
  release(): void {
    if (this.released) return;
    this.references--;
    if (this.references > 0) return;
    this.released = true;
    held.delete(this.lockPath);
    try {
      if (readFileSync(this.lockPath, "utf8") === this.content) unlinkSync(this.lockPath);
    } catch {
      // Already gone: nothing to release.
    }
  }
}

function tryCreate(lockPath: string, content: string): boolean {
  const temporary = `${lockPath}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, content, { mode: 0o644 });
    linkSync(temporary, lockPath);
    return true;
  } catch (error) {
    if (systemErrorCode(error) === "EEXIST") return false;
    throw describeHostError(error, "create the lock file", lockPath);
  } finally {
    try {
      unlinkSync(temporary);
    } catch {
      // The temporary name was never made.
    }
  }
}

/**
 * Removes a stale lock: renames it to a name of our own (so a second process taking it over at
 * the same time fails its rename), and puts it back if it turns out to be a fresh lock.
 */
function takeOverStale(lockPath: string, stale: LockHolder): boolean {
  const aside = `${lockPath}.${process.pid}.stale`;
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return false;
    throw describeHostError(error, "take over the lock file", lockPath);
  }
  const moved = readHolder(aside);
  if (moved !== null && moved.pid !== stale.pid && isProcessAlive(moved.pid)) {
    try {
      linkSync(aside, lockPath);
    } catch {
      // Another process owns the name again, so its lock remains and this acquire retries.
    }
    unlinkSync(aside);
    return false;
  }
  unlinkSync(aside);
  return true;
}

function heldError(diskPath: string, lockPath: string, holder: LockHolder): CliError {
  const command = holder.command ? ` (${holder.command})` : "";
  return new CliError(
    `${diskPath} is in use by process ${holder.pid}${command}; quit that xv6ts first, or delete ${lockPath} if that process is not xv6ts`,
  );
}

function staleNote(lockPath: string, holder: LockHolder): string {
  return holder.pid > 0
    ? `took over ${lockPath}: its process ${holder.pid} is no longer running`
    : `took over ${lockPath}: it did not name a process`;
}

function remember(lock: DiskLock): void {
  held.set(lock.lockPath, lock);
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.once("exit", releaseAllLocks);
}

/** Releases every lock this process holds; the exit handler's last resort. */
export function releaseAllLocks(): void {
  for (const lock of [...held.values()]) {
    while (held.has(lock.lockPath)) lock.release();
  }
}
