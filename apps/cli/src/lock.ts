/**
 * Disk locks: one xv6ts process at a time on a disk image file.
 *
 * A disk is locked by two lock files, each holding one line: the holder's pid, a space, and its
 * command line.
 *   - `disk.img.lock` next to the disk (next to the real file when the path is a symbolic
 *     link). It locks the name, so it also covers a disk that mkfs has not made yet, and it is
 *     the file the messages point to.
 *   - `DEV-INO.lock` in a lock folder shared by all users (LOCK_FOLDER, under the system's
 *     temporary folder), named after the file's device and inode numbers. It locks the file
 *     itself, whatever its name: a hard link, or a path through a bind mount, finds it too.
 * A lock file is written to a temporary name first and then hard-linked into place, which fails
 * when the lock exists (the exclusive create of `wx`, but never showing a half-written lock).
 *
 * A lock whose pid is alive makes acquire() raise a CliError naming that pid. A lock whose pid is
 * gone is stale: it is renamed away (only one of two racing processes can do so), checked to be
 * the same stale lock, removed, and taken with a one-line note. Every lock this process holds is
 * removed by release(), and by an `exit` handler as a last resort, so that every exit path,
 * signals included (main.ts turns them into an orderly exit), releases it.
 */
import {
  chmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CliError, describeHostError, systemErrorCode } from "./errors";

/** The process holding a lock, as its lock file records it. */
export interface LockHolder {
  pid: number;
  command: string;
}

/** Locks this process holds, by the path of each of their lock files. */
const held = new Map<string, DiskLock>();
let exitHandlerInstalled = false;

/**
 * The folder of the locks keyed by device and inode. It is made world-writable with the sticky
 * bit, as /tmp is, so every user's xv6ts shares it and none can remove another's lock.
 */
export const LOCK_FOLDER = join(tmpdir(), "xv6ts-locks");

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

/**
 * Returns the path of the lock keyed by the disk file's device and inode numbers, or null when
 * the file does not exist yet.
 */
export function inodeLockPathOf(diskPath: string): string | null {
  let stat: { dev: bigint; ino: bigint };
  try {
    stat = statSync(diskPath, { bigint: true });
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return null;
    throw describeHostError(error, "lock", diskPath);
  }
  return join(LOCK_FOLDER, `${stat.dev}-${stat.ino}.lock`);
}

/** Makes the shared lock folder if it is missing; raises a CliError if it is not a folder. */
function ensureLockFolder(): void {
  try {
    mkdirSync(LOCK_FOLDER, { mode: 0o1777 });
    // mkdir applies the umask, so the mode is set again.
    chmodSync(LOCK_FOLDER, 0o1777);
  } catch (error) {
    if (systemErrorCode(error) !== "EEXIST") {
      throw describeHostError(error, "make the lock folder", LOCK_FOLDER);
    }
  }
  if (!lstatSync(LOCK_FOLDER).isDirectory()) {
    throw new CliError(
      `the lock folder ${LOCK_FOLDER} is not a folder; remove it so that xv6ts can make it`,
    );
  }
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
    /** The lock file next to the disk. */
    readonly lockPath: string,
    /** The lock file keyed by device and inode; null for a disk mkfs has not made yet. */
    readonly inodeLockPath: string | null,
    private readonly content: string,
    private references: number,
  ) {}

  /**
   * Takes the lock of `diskPath` for `command`, taking over a stale lock with a note through
   * `note`. Raises a CliError when a live process holds it. Taking a lock this process already
   * holds, under this name or another name of the same file, returns it again; each acquire
   * needs its own release.
   */
  static acquire(diskPath: string, command: string, note: (line: string) => void): DiskLock {
    const lockPath = lockPathOf(diskPath);
    const inodeLockPath = inodeLockPathOf(diskPath);
    const mine =
      held.get(lockPath) ?? (inodeLockPath === null ? undefined : held.get(inodeLockPath));
    if (mine !== undefined) {
      mine.references++;
      return mine;
    }

    const content = `${process.pid} ${command.replace(/\n/g, " ")}\n`;
    const stale = takeLockFile(diskPath, lockPath, content, (holder) =>
      heldError(diskPath, lockPath, holder),
    );
    if (inodeLockPath !== null) {
      try {
        ensureLockFolder();
        const staleInode = takeLockFile(diskPath, inodeLockPath, content, (holder) =>
          heldError(diskPath, inodeLockPath, holder, " under another name of the same file"),
        );
        // A killed xv6ts leaves both lock files: one note is enough.
        if (staleInode !== null && staleInode.pid !== stale?.pid) {
          note(staleNote(inodeLockPath, staleInode));
        }
      } catch (error) {
        removeIfMine(lockPath, content);
        throw error;
      }
    }
    if (stale !== null) note(staleNote(lockPath, stale));

    const lock = new DiskLock(diskPath, lockPath, inodeLockPath, content, 1);
    remember(lock);
    return lock;
  }

  /** Removes the lock files when the last reference goes, unless another process took them over. */
  release(): void {
    if (this.released) return;
    this.references--;
    if (this.references > 0) return;
    this.released = true;
    held.delete(this.lockPath);
    if (this.inodeLockPath !== null) {
      held.delete(this.inodeLockPath);
      removeIfMine(this.inodeLockPath, this.content);
    }
    removeIfMine(this.lockPath, this.content);
  }

  /** Whether release() has removed the lock files. */
  get isReleased(): boolean {
    return this.released;
  }
}

/**
 * Creates the lock file `lockPath`, taking over a stale one. Returns the stale holder taken over,
 * or null. Raises `inUse(holder)` when a live process holds it.
 */
function takeLockFile(
  diskPath: string,
  lockPath: string,
  content: string,
  inUse: (holder: LockHolder) => CliError,
): LockHolder | null {
  let stale: LockHolder | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(lockPath, content)) return stale;
    const holder = readHolder(lockPath);
    if (holder === null) continue;
    if (isProcessAlive(holder.pid)) throw inUse(holder);
    if (takeOverStale(lockPath, holder)) stale = holder;
  }
  throw new CliError(
    `cannot lock ${diskPath}: ${lockPath} keeps changing, so another xv6ts is starting on it; try again`,
  );
}

/** Removes a lock file if it still holds `content`, so a lock another process took over stays. */
function removeIfMine(lockPath: string, content: string): void {
  try {
    if (readFileSync(lockPath, "utf8") === content) unlinkSync(lockPath);
  } catch {
    // Already gone: nothing to release.
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

function heldError(diskPath: string, lockPath: string, holder: LockHolder, how = ""): CliError {
  const command = holder.command ? ` (${holder.command})` : "";
  return new CliError(
    `${diskPath} is in use by process ${holder.pid}${command}${how}; quit that xv6ts first, or delete ${lockPath} if that process is not xv6ts`,
  );
}

function staleNote(lockPath: string, holder: LockHolder): string {
  return holder.pid > 0
    ? `took over ${lockPath}: its process ${holder.pid} is no longer running`
    : `took over ${lockPath}: it did not name a process`;
}

function remember(lock: DiskLock): void {
  held.set(lock.lockPath, lock);
  if (lock.inodeLockPath !== null) held.set(lock.inodeLockPath, lock);
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.once("exit", releaseAllLocks);
}

/** Releases every lock this process holds; the exit handler's last resort. */
export function releaseAllLocks(): void {
  for (const lock of new Set(held.values())) {
    while (!lock.isReleased) lock.release();
  }
}
