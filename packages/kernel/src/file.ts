/**
 * Open files and the system-wide file table.
 *
 * An `OpenFile` is one open of a file, pipe end or device; descriptors of one or more processes
 * point at it (after `dup` or `fork`) and share its offset. The table counts open files against
 * NFILE; running out is a failure value. When the last reference goes, the table hands the file
 * to a release function the kernel supplies (which closes a pipe end or puts the inode back in a
 * transaction).
 *
 * As an xv6ts extension an open file remembers the absolute path it was opened by, so that a
 * checkpoint can reopen it later.
 */
import type { Inode } from "@xv6ts/fs-journal";
import { KernelPanic } from "./panic.js";
import { NFILE } from "./param.js";
import type { Pipe } from "./pipe.js";

/** What an open file refers to. */
export type FileKind = "file" | "directory" | "device" | "pipe-read" | "pipe-write";

/** The fields a new open file starts with. */
export interface OpenFileInit {
  kind: FileKind;
  readable: boolean;
  writable: boolean;
  ip?: Inode | null;
  pipe?: Pipe | null;
  path?: string | null;
  major?: number;
  minor?: number;
}

export class OpenFile {
  /** Descriptors referring to this open file. */
  ref = 1;
  /** Byte offset of the next read or write (files and directories). */
  offset = 0;
  readonly kind: FileKind;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly ip: Inode | null;
  readonly pipe: Pipe | null;
  /** Absolute path the file was opened by; null for pipes. */
  readonly path: string | null;
  readonly major: number;
  readonly minor: number;

  constructor(init: OpenFileInit) {
    this.kind = init.kind;
    this.readable = init.readable;
    this.writable = init.writable;
    this.ip = init.ip ?? null;
    this.pipe = init.pipe ?? null;
    this.path = init.path ?? null;
    this.major = init.major ?? 0;
    this.minor = init.minor ?? 0;
  }
}

export class FileTable {
  private openCount = 0;

  /** `release` runs when an open file's last reference is closed. */
  constructor(
    private readonly release: (file: OpenFile) => void,
    readonly limit = NFILE,
  ) {}

  /** Open files in the system. */
  get count(): number {
    return this.openCount;
  }

  /** Returns a new open file, or null when NFILE files are open. */
  alloc(init: OpenFileInit): OpenFile | null {
    if (this.openCount >= this.limit) return null;
    this.openCount++;
    return new OpenFile(init);
  }

  /** Adds a reference (dup, fork) and returns the same file. */
  dup(file: OpenFile): OpenFile {
    if (file.ref < 1) throw new KernelPanic("filedup: file is not open");
    file.ref++;
    return file;
  }

  /** Drops one reference; the last one releases the file. */
  close(file: OpenFile): void {
    if (file.ref < 1) throw new KernelPanic("fileclose: file is not open");
    file.ref--;
    if (file.ref > 0) return;
    this.openCount--;
    this.release(file);
  }
}
