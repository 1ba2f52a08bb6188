/**
 * Directories and path names, and the directory operations of xv6's file system calls
 * (create, unlink, link), so that the kernel and the host tools share one implementation.
 *
 * A directory is a file of 16-byte entries (format.ts). Names are byte strings. As in xv6, a
 * path element longer than DIRSIZ is cut to DIRSIZ bytes, and names compare on their first
 * DIRSIZ bytes. Path lookup starts at the root for a path that begins with "/", and at the
 * given working directory otherwise. "." and ".." are ordinary entries of every directory.
 *
 * Link counts follow xv6: a directory's nlink counts the entry naming it plus one for each
 * subdirectory's "..", and nothing for its own ".". Every function here that changes the disk
 * runs inside the caller's transaction, and undoes its own partial changes when it fails for
 * lack of space, so a failed operation leaves nothing behind.
 *
 * A directory removed while still referenced (a process's working directory) has nlink 0 and
 * is freed at its last iput. Until then it takes no new entries and its ".." names nothing,
 * unlike in xv6, so no program can leave an inode that no path from the root reaches.
 */
import { FsFormatError, panic, quoteName, trace, traceFs } from "./diagnostics";
import {
  DIRENT_SIZE,
  decodeDirentInum,
  decodeDirentName,
  direntName,
  encodeDirent,
  T_DIR,
  T_FILE,
} from "./format";
import type { FsCore, Inode, InodeTable } from "./inode";

/** A directory entry found by dirlookup: the referenced inode and the entry's byte offset. */
export interface Lookup {
  ip: Inode;
  off: number;
}

/** Splits off the first element of a path: returns [name, rest] or null when none is left. */
export function skipelem(path: string): [string, string] | null {
  let i = 0;
  while (path[i] === "/") i++;
  if (i === path.length) return null;
  const start = i;
  while (i < path.length && path[i] !== "/") i++;
  const name = direntName(path.slice(start, i));
  while (path[i] === "/") i++;
  return [name, path.slice(i)];
}

/** Directory lookup, linking and path resolution over an inode table. */
export class Directories {
  private readonly core: FsCore;
  private readonly inodes: InodeTable;
  private readonly root: () => Inode;
  private readonly scratch: Uint8Array;
  private readonly entry = new Uint8Array(DIRENT_SIZE);

  constructor(core: FsCore, inodes: InodeTable, root: () => Inode) {
    this.core = core;
    this.inodes = inodes;
    this.root = root;
    this.scratch = new Uint8Array(core.layout.blockSize);
  }

  /**
   * Finds the entry `name` in directory dp and returns its byte offset, or -1. With name null,
   * finds the first free entry instead. Never takes an inode reference.
   */
  findEntry(dp: Inode, name: string | null): number {
    this.checkDirectory(dp);
    const want = name === null ? null : direntName(name);
    const bsize = this.core.layout.blockSize;
    for (let base = 0; base < dp.size; base += bsize) {
      const got = this.inodes.readi(dp, this.scratch, base, Math.min(bsize, dp.size - base));
      for (let off = 0; off < got; off += DIRENT_SIZE) {
        const inum = decodeDirentInum(this.scratch, off);
        if (
          want === null ? inum === 0 : inum !== 0 && decodeDirentName(this.scratch, off) === want
        ) {
          return base + off;
        }
      }
    }
    return -1;
  }

  /**
   * Looks up `name` in directory dp. Returns the referenced inode and the entry's offset, or
   * null when there is no such entry or no free inode cache slot. In a directory that was
   * removed (nlink 0) ".." names no inode, because its parent no longer counts that entry and
   * may have been freed since.
   */
  dirlookup(dp: Inode, name: string): Lookup | null {
    if (dp.nlink < 1 && direntName(name) === "..") return null;
    const off = this.findEntry(dp, name);
    if (off < 0) return null;
    this.inodes.readi(dp, this.entry, off, DIRENT_SIZE);
    const inum = decodeDirentInum(this.entry, 0);
    if (inum >= this.core.layout.ninodes) {
      throw new FsFormatError(
        `directory inode ${dp.inum} names inode ${inum} as ${quoteName(name)}, beyond the ${this.core.layout.ninodes} inodes`,
        { runFsck: true },
      );
    }
    const ip = this.inodes.iget(inum);
    if (ip === null) return null;
    if (ip.type === 0) {
      this.inodes.iput(ip);
      throw new FsFormatError(
        `directory inode ${dp.inum} names free inode ${inum} as ${quoteName(name)}`,
        {
          runFsck: true,
        },
      );
    }
    return { ip, off };
  }

  /**
   * Writes an entry (name, inum) into directory dp inside a transaction. Returns false when the
   * name is already there, the disk has no block for a new entry, or dp was removed (nlink 0).
   * An entry in a removed directory would name an inode that nothing reaches once dp is freed.
   */
  dirlink(dp: Inode, name: string, inum: number): boolean {
    if (dp.nlink < 1) return false;
    if (this.findEntry(dp, name) >= 0) return false;
    let off = this.findEntry(dp, null);
    if (off < 0) off = dp.size;
    encodeDirent(this.entry, 0, inum, name);
    const wrote = this.inodes.writei(dp, this.entry, off, DIRENT_SIZE);
    if (wrote !== DIRENT_SIZE) return false;
    if (traceFs) {
      trace(
        "fs",
        `dirlink: ${quoteName(direntName(name))} -> inode ${inum} in directory ${dp.inum}`,
      );
    }
    return true;
  }

  /** Returns whether directory dp contains nothing but "." and "..". */
  isDirEmpty(dp: Inode): boolean {
    this.checkDirectory(dp);
    for (let off = 2 * DIRENT_SIZE; off < dp.size; off += DIRENT_SIZE) {
      if (this.inodes.readi(dp, this.entry, off, DIRENT_SIZE) !== DIRENT_SIZE) break;
      if (decodeDirentInum(this.entry, 0) !== 0) return false;
    }
    return true;
  }

  /**
   * Raises FsFormatError for a directory size that is not whole entries, or more than the disk's
   * data blocks hold: a corrupt size must not turn one lookup into a scan of gigabytes of holes.
   */
  private checkDirectory(dp: Inode): void {
    if (dp.type !== T_DIR) panic("dirlookup", `inode ${dp.inum} is not a directory`);
    const { nblocks, blockSize } = this.core.layout;
    if (dp.size % DIRENT_SIZE !== 0 || dp.size > nblocks * blockSize) {
      throw new FsFormatError(
        `directory inode ${dp.inum} has size ${dp.size}, which is not a whole number of ${DIRENT_SIZE}-byte entries within the disk's ${nblocks} data blocks`,
        { runFsck: true },
      );
    }
  }

  /** Resolves a path to a referenced inode, or null. */
  namei(path: string, cwd: Inode): Inode | null {
    const found = this.namex(path, false, cwd);
    return found === null ? null : found.dp;
  }

  /** Resolves all but the last element of a path: the referenced parent and the last name. */
  nameiparent(path: string, cwd: Inode): { dp: Inode; name: string } | null {
    return this.namex(path, true, cwd);
  }

  private namex(path: string, parent: boolean, cwd: Inode): { dp: Inode; name: string } | null {
    let ip: Inode | null = path.startsWith("/")
      ? this.inodes.idup(this.root())
      : this.inodes.idup(cwd);
    let rest = path;
    for (let element = skipelem(rest); element !== null; element = skipelem(rest)) {
      const [name, next] = element;
      rest = next;
      if (ip.type !== T_DIR) {
        this.inodes.iput(ip);
        return null;
      }
      if (parent && rest === "") return { dp: ip, name };
      const found = this.dirlookup(ip, name);
      this.inodes.iput(ip);
      if (found === null) return null;
      ip = found.ip;
    }
    if (parent) {
      this.inodes.iput(ip);
      return null;
    }
    return { dp: ip, name: "" };
  }

  /**
   * Creates path as an inode of `type` inside a transaction, as xv6's create(). An existing
   * regular file is returned for type T_FILE; any other existing entry gives null, as does a
   * missing or removed parent, or a disk without a free inode or block. Returns the referenced
   * inode.
   */
  create(path: string, type: number, major: number, minor: number, cwd: Inode): Inode | null {
    const parent = this.nameiparent(path, cwd);
    if (parent === null) return null;
    const { dp, name } = parent;
    const existing = this.dirlookup(dp, name);
    if (existing !== null) {
      this.inodes.iput(dp);
      if (type === T_FILE && existing.ip.type === T_FILE) return existing.ip;
      this.inodes.iput(existing.ip);
      return null;
    }
    if (dp.nlink < 1) {
      // A removed directory that is still someone's working directory takes no new entries.
      this.inodes.iput(dp);
      return null;
    }

    const ip = this.inodes.ialloc(type);
    if (ip === null) {
      this.inodes.iput(dp);
      return null;
    }
    ip.major = major;
    ip.minor = minor;
    ip.nlink = 1;
    this.inodes.iupdate(ip);
    if (!this.linkNewInode(dp, name, ip)) {
      ip.nlink = 0;
      this.inodes.iupdate(ip);
      this.inodes.iput(ip);
      this.inodes.iput(dp);
      return null;
    }
    this.inodes.iput(dp);
    return ip;
  }

  /** Writes the entries of a new inode ("." and ".." first for a directory); false when full. */
  private linkNewInode(dp: Inode, name: string, ip: Inode): boolean {
    if (ip.type === T_DIR) {
      if (!this.dirlink(ip, ".", ip.inum) || !this.dirlink(ip, "..", dp.inum)) return false;
    }
    if (!this.dirlink(dp, name, ip.inum)) return false;
    if (ip.type === T_DIR) {
      dp.nlink++;
      this.inodes.iupdate(dp);
    }
    return true;
  }

  /**
   * Removes the entry `path` inside a transaction, as xv6's unlink(). Rejects "." and "..",
   * missing names and directories that are not empty. Frees the inode when its last link goes
   * and no other reference to it is left.
   */
  unlink(path: string, cwd: Inode): boolean {
    const parent = this.nameiparent(path, cwd);
    if (parent === null) return false;
    const { dp, name } = parent;
    const found = name === "." || name === ".." ? null : this.dirlookup(dp, name);
    if (found === null) {
      this.inodes.iput(dp);
      return false;
    }
    const { ip, off } = found;
    if (ip.nlink < 1) {
      this.inodes.iput(ip);
      this.inodes.iput(dp);
      throw new FsFormatError(
        `unlink: inode ${ip.inum} has nlink ${ip.nlink} but ${quoteName(name)} names it`,
        { runFsck: true },
      );
    }
    if (ip.type === T_DIR && !this.isDirEmpty(ip)) {
      this.inodes.iput(ip);
      this.inodes.iput(dp);
      return false;
    }

    this.entry.fill(0);
    if (this.inodes.writei(dp, this.entry, off, DIRENT_SIZE) !== DIRENT_SIZE) {
      panic("unlink", `could not clear the entry at ${off} of directory ${dp.inum}`);
    }
    if (ip.type === T_DIR) {
      dp.nlink--;
      this.inodes.iupdate(dp);
    }
    this.inodes.iput(dp);
    ip.nlink--;
    this.inodes.iupdate(ip);
    if (traceFs)
      trace("fs", `unlink: ${quoteName(name)} (inode ${ip.inum}, nlink now ${ip.nlink})`);
    this.inodes.iput(ip);
    return true;
  }

  /**
   * Adds the name newPath for the inode oldPath names, inside a transaction, as xv6's link().
   * Rejects directories, a missing old path or parent, an existing new name and a full disk.
   */
  link(oldPath: string, newPath: string, cwd: Inode): boolean {
    const ip = this.namei(oldPath, cwd);
    if (ip === null) return false;
    if (ip.type === T_DIR) {
      this.inodes.iput(ip);
      return false;
    }
    ip.nlink++;
    this.inodes.iupdate(ip);

    const parent = this.nameiparent(newPath, cwd);
    const linked = parent !== null && this.dirlink(parent.dp, parent.name, ip.inum);
    if (parent !== null) this.inodes.iput(parent.dp);
    if (!linked) {
      ip.nlink--;
      this.inodes.iupdate(ip);
    }
    this.inodes.iput(ip);
    return linked;
  }
}
