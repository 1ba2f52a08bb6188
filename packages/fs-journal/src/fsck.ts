/**
 * fsck: checks every invariant of an image without mounting it and without writing.
 *
 * The checks, in order (a later check is skipped only when an earlier one makes it meaningless):
 *   1. the superblock and the log header (image.ts). A pending commit is not a problem. It is
 *      noted, and the later checks read the disk as recovery will leave it (RecoveredView),
 *      because that is the disk the next mount uses. A torn extended header reads as "no
 *      commit" and is noted;
 *   2. every allocated inode: its type, its size against the largest file, every block address
 *      it holds (direct, indirect, double-indirect) inside the data area, no block used twice,
 *      a block for every byte below its size and none past it;
 *   3. the bitmap against the blocks reached in 2: metadata and referenced blocks marked used,
 *      and no data block marked used that nothing refers to;
 *   4. the directory tree from the root: sizes in whole entries, and "." and ".." as the first
 *      two entries and nowhere else. Every entry names an allocated inode, and every name can
 *      be reached by a path (not empty, no "/", not repeated in its directory). No directory is
 *      named twice, which also finds loops;
 *   5. link counts by xv6's rule: a file's nlink is the number of entries naming it; a
 *      directory's is 1 (its entry, or mkfs's count for the root) plus one per subdirectory;
 *      an allocated inode that no entry names is reported.
 * Each problem is one sentence on one line that names the inode or block. Names from the image
 * go through quoteName, so their control bytes are escaped. fsck never throws for a bad image:
 * an unexpected error becomes a problem that gives its message (the try around the checks).
 */
import { requireCount, requireDevice } from "./arguments";
import type { BlockDevice } from "./devices";
import { quoteName } from "./diagnostics";
import {
  DIRENT_SIZE,
  type Dinode,
  type DiskLayout,
  decodeDinode,
  decodeDirentInum,
  decodeDirentName,
  type GeometryName,
  getU32,
  inodeOffset,
  NADDRS,
  ROOTINO,
  T_DEV,
  T_DIR,
  T_FILE,
} from "./format";
import { inspectImage, RecoveredView } from "./image";

/** The result of one fsck run. */
export interface FsckReport {
  /** No problem was found. */
  clean: boolean;
  /** One sentence per problem, naming the inode or block; capped at maxProblems. */
  problems: string[];
  /** Facts that are not problems: a pending log, a torn log header, a cap on problems. */
  notes: string[];
  geometry: GeometryName | null;
  layout: DiskLayout | null;
  /** Blocks a pending commit will install at the next mount. */
  pendingLogBlocks: number;
  counts: FsckCounts;
}

export interface FsckCounts {
  inodes: number;
  directories: number;
  files: number;
  devices: number;
  /** Data blocks marked used in the bitmap. */
  usedBlocks: number;
  freeBlocks: number;
}

/**
 * The outcome of claiming a block address: nothing (address 0), a block now owned by the inode,
 * a block another inode already owns, or an address outside the data area. claim reports the
 * last two itself, so no caller reports such a block as missing.
 */
type Claim = "absent" | "claimed" | "shared" | "outside";

/** Receives the data blocks fsck finds for one inode. */
interface BlockVisitor {
  block(bn: number, addr: number): void;
  missing(first: number, count: number): void;
}

const TYPE_NAMES: Record<number, string> = {
  [T_DIR]: "directory",
  [T_FILE]: "file",
  [T_DEV]: "device",
};

/** Checks the image on `device`; reads only. */
export function fsck(device: BlockDevice, options: { maxProblems?: number } = {}): FsckReport {
  requireDevice("fsck", device);
  const report: FsckReport = {
    clean: false,
    problems: [],
    notes: [],
    geometry: null,
    layout: null,
    pendingLogBlocks: 0,
    counts: { inodes: 0, directories: 0, files: 0, devices: 0, usedBlocks: 0, freeBlocks: 0 },
  };
  const maxProblems = options.maxProblems ?? 100;
  requireCount("fsck", "option maxProblems", maxProblems, 1);
  let dropped = 0;
  const problem = (sentence: string): void => {
    if (report.problems.length < maxProblems) report.problems.push(sentence);
    else dropped++;
  };

  try {
    const inspection = inspectImage(device);
    if (!inspection.ok) {
      problem(inspection.problem);
    } else {
      const { info } = inspection;
      report.geometry = info.layout.geometry;
      report.layout = info.layout;
      report.pendingLogBlocks = info.pending;
      if (info.pending > 0) {
        report.notes.push(
          `the log holds a committed transaction of ${info.pending} blocks; mount will install it, and these checks read the disk as it will be then`,
        );
      }
      if (info.header.torn) {
        report.notes.push(
          "the log header's checksum does not match (a torn write); it reads as no commit, and mount will clear it",
        );
      }
      new FsckRun(new RecoveredView(device, info), info.layout, problem, report.counts).run();
    }
  } catch (error) {
    problem(
      `fsck stopped on an unexpected error: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (dropped > 0) report.notes.push(`${dropped} more problems were found but not listed`);
  report.clean = report.problems.length === 0 && dropped === 0;
  return report;
}

/** One fsck pass over a disk whose superblock and log header are valid. */
class FsckRun {
  private readonly view: BlockDevice;
  private readonly layout: DiskLayout;
  private readonly problem: (sentence: string) => void;
  private readonly counts: FsckCounts;
  private readonly block: Uint8Array;
  private readonly types: Int16Array;
  private readonly nlinks: Int16Array;
  private readonly sizes: Float64Array;
  private readonly addrs: Uint32Array;
  /** Per block: 0 unused, -1 metadata, otherwise the inode that uses it. */
  private readonly owner: Int32Array;
  /** Directory entries naming each inode, "." and ".." left out. */
  private readonly names: Int32Array;
  private readonly subdirs: Int32Array;
  private readonly reached: Uint8Array;
  /** Each directory's block addresses by file block, for the tree walk. */
  private readonly dirBlocks = new Map<number, number[]>();

  constructor(
    view: BlockDevice,
    layout: DiskLayout,
    problem: (sentence: string) => void,
    counts: FsckCounts,
  ) {
    this.view = view;
    this.layout = layout;
    this.problem = problem;
    this.counts = counts;
    this.block = new Uint8Array(layout.blockSize);
    const n = layout.ninodes;
    this.types = new Int16Array(n);
    this.nlinks = new Int16Array(n);
    this.sizes = new Float64Array(n);
    this.addrs = new Uint32Array(n * NADDRS);
    this.owner = new Int32Array(layout.size);
    this.names = new Int32Array(n);
    this.subdirs = new Int32Array(n);
    this.reached = new Uint8Array(n);
  }

  run(): void {
    this.owner.fill(-1, 0, this.layout.datastart);
    this.readInodes();
    const rootType = this.types[ROOTINO]!;
    if (rootType !== T_DIR)
      this.problem(`inode ${ROOTINO}, the root, is not a directory (its type is ${rootType})`);
    for (let inum = 1; inum < this.layout.ninodes; inum++) {
      if (this.types[inum] !== 0) this.checkInodeBlocks(inum);
    }
    this.checkBitmap();
    if (rootType !== T_DIR) return;
    this.walkTree();
    this.checkLinkCounts();
  }

  private readInodes(): void {
    const { inodestart, ninodes, inodesPerBlock } = this.layout;
    const dinode: Dinode = {
      type: 0,
      major: 0,
      minor: 0,
      nlink: 0,
      size: 0,
      addrs: new Uint32Array(NADDRS),
    };
    for (let first = 0; first < ninodes; first += inodesPerBlock) {
      this.view.read(inodestart + first / inodesPerBlock, this.block);
      for (let inum = first; inum < Math.min(first + inodesPerBlock, ninodes); inum++) {
        decodeDinode(this.block, inodeOffset(this.layout, inum), dinode);
        this.types[inum] = dinode.type;
        this.nlinks[inum] = dinode.nlink;
        this.sizes[inum] = dinode.size;
        this.addrs.set(dinode.addrs, inum * NADDRS);
      }
    }
    if (this.types[0] !== 0) {
      this.problem(`inode 0 is marked allocated (type ${this.types[0]}); inode 0 is never used`);
    }
  }

  /** Counts an allocated inode by type; returns false, with a problem, for an invalid type. */
  private countInode(inum: number, type: number): boolean {
    this.counts.inodes++;
    if (type === T_DIR) this.counts.directories++;
    else if (type === T_FILE) this.counts.files++;
    else if (type === T_DEV) this.counts.devices++;
    else {
      this.problem(
        `inode ${inum} has type ${type}, which is none of directory (1), file (2) or device (3)`,
      );
      return false;
    }
    return true;
  }

  /** Checks an allocated inode's type, size and block addresses, and claims its blocks. */
  private checkInodeBlocks(inum: number): void {
    const type = this.types[inum]!;
    if (!this.countInode(inum, type)) return;

    const size = this.sizes[inum]!;
    if (size > this.layout.maxFileBytes) {
      this.problem(
        `inode ${inum} has size ${size}, past the largest file of ${this.layout.maxFileBytes} bytes`,
      );
    }

    const needed = Math.ceil(Math.min(size, this.layout.maxFileBytes) / this.layout.blockSize);
    const contents: number[] = [];
    if (type === T_DIR) this.dirBlocks.set(inum, contents);
    const holes = { count: 0, first: -1 };
    const extra = { count: 0, first: "" };
    this.forEachBlock(inum, needed, {
      block: (bn, addr) => {
        if (bn < needed) {
          if (type === T_DIR) contents[bn] = addr;
        } else if (extra.count++ === 0) {
          extra.first = `block ${addr} as file block ${bn}`;
        }
      },
      missing: (first, count) => {
        if (holes.count === 0) holes.first = first;
        holes.count += count;
      },
    });

    this.reportHoles(inum, size, holes, extra);
  }

  private reportHoles(
    inum: number,
    size: number,
    holes: { count: number; first: number },
    extra: { count: number; first: string },
  ): void {
    if (holes.count === 1) {
      this.problem(
        `inode ${inum} has no block for file block ${holes.first}, inside its size of ${size} bytes`,
      );
    } else if (holes.count > 1) {
      this.problem(
        `inode ${inum} has no block for ${holes.count} file blocks inside its size of ${size} bytes, the first being file block ${holes.first}`,
      );
    }
    if (extra.count === 1) {
      this.problem(`inode ${inum} has ${extra.first}, past its size of ${size} bytes`);
    } else if (extra.count > 1) {
      this.problem(
        `inode ${inum} has ${extra.count} blocks past its size of ${size} bytes, the first being ${extra.first}`,
      );
    }
  }

  /**
   * Claims every block an inode refers to, index blocks included, and reports its data blocks
   * to `visitor`. Present blocks are reported one by one. Missing blocks below `needed` (the
   * blocks its size covers) are reported as ranges, so a corrupt size costs no work per block.
   */
  private forEachBlock(inum: number, needed: number, visitor: BlockVisitor): void {
    const { ndirect, nindirect, doubleIndirect } = this.layout;
    const base = inum * NADDRS;
    for (let bn = 0; bn < ndirect; bn++) {
      this.visitData(inum, this.addrs[base + bn]!, bn, needed, visitor);
    }
    this.walkIndex(inum, this.addrs[base + ndirect]!, ndirect, 1, needed, visitor);
    if (doubleIndirect) {
      this.walkIndex(
        inum,
        this.addrs[base + ndirect + 1]!,
        ndirect + nindirect,
        2,
        needed,
        visitor,
      );
    }
  }

  /** Walks an index block of `depth` levels whose first file block is `first`. */
  private walkIndex(
    inum: number,
    index: number,
    first: number,
    depth: number,
    needed: number,
    visitor: BlockVisitor,
  ): void {
    const span = depth === 1 ? 1 : this.layout.nindirect;
    const role = depth === 1 ? "indirect block" : "double-indirect block";
    const claim = this.claim(inum, index, role);
    if (claim === "absent") {
      const count = Math.min(needed, first + span * this.layout.nindirect) - first;
      if (count > 0) visitor.missing(first, count);
      return;
    }
    // claim has reported an index block that is shared or outside the disk. Its entries are
    // not examined, because they belong to another inode or are not on the disk at all.
    if (claim !== "claimed") return;
    this.view.read(index, this.block);
    const entries = new Uint32Array(this.layout.nindirect);
    for (let i = 0; i < entries.length; i++) entries[i] = getU32(this.block, 4 * i);
    for (let i = 0; i < entries.length; i++) {
      const bn = first + i * span;
      if (depth > 1) {
        if (entries[i] !== 0 || bn < needed)
          this.walkIndex(inum, entries[i]!, bn, 1, needed, visitor);
        continue;
      }
      this.visitData(inum, entries[i]!, bn, needed, visitor);
    }
  }

  /**
   * Claims the data block at file block bn and hands it to the visitor. A shared block is still
   * the file's block, so a directory's contents are read from it. A missing block below `needed`
   * goes to visitor.missing. An address outside the disk goes to neither, because claim has
   * reported it.
   */
  private visitData(
    inum: number,
    addr: number,
    bn: number,
    needed: number,
    visitor: BlockVisitor,
  ): void {
    const claim = this.claim(inum, addr, `file block ${bn}`);
    if (claim === "claimed" || claim === "shared") visitor.block(bn, addr);
    else if (claim === "absent" && bn < needed) visitor.missing(bn, 1);
  }

  /** Records that inum uses addr as its `role`; reports an address outside the disk or in use. */
  private claim(inum: number, addr: number, role: string): Claim {
    if (addr === 0) return "absent";
    const { datastart, size } = this.layout;
    if (addr < datastart || addr >= size) {
      this.problem(
        `inode ${inum} refers to block ${addr} as its ${role}, outside the data blocks (${datastart} to ${size - 1})`,
      );
      return "outside";
    }
    const previous = this.owner[addr]!;
    if (previous !== 0) {
      this.problem(
        `block ${addr} is used twice: by inode ${previous} and by inode ${inum} (as its ${role})`,
      );
      return "shared";
    }
    this.owner[addr] = inum;
    return "claimed";
  }

  private checkBitmap(): void {
    const { size, bmapstart, bitsPerBlock, datastart } = this.layout;
    for (let first = 0; first < size; first += bitsPerBlock) {
      this.view.read(bmapstart + first / bitsPerBlock, this.block);
      for (let b = first; b < Math.min(size, first + bitsPerBlock); b++) {
        const used = (this.block[(b % bitsPerBlock) >>> 3]! & (1 << (b & 7))) !== 0;
        const owner = this.owner[b]!;
        if (b >= datastart) {
          if (used) this.counts.usedBlocks++;
          else this.counts.freeBlocks++;
        }
        if (!used && owner === -1) {
          this.problem(`block ${b} holds ${this.regionOf(b)} but is marked free in the bitmap`);
        } else if (!used && owner > 0) {
          this.problem(`block ${b} is used by inode ${owner} but is marked free in the bitmap`);
        } else if (used && owner === 0) {
          this.problem(`block ${b} is marked used in the bitmap, but no inode refers to it`);
        }
      }
    }
  }

  private regionOf(b: number): string {
    const { logstart, nlog, inodestart, bmapstart } = this.layout;
    if (b < logstart) return "the boot block or superblock";
    if (b < logstart + nlog) return "part of the log";
    if (b < bmapstart) return b < inodestart ? "space between the log and the inodes" : "inodes";
    return "the bitmap";
  }

  /** Walks the directory tree from the root, counting names and subdirectories. */
  private walkTree(): void {
    const parents = new Int32Array(this.layout.ninodes);
    parents[ROOTINO] = ROOTINO;
    this.reached[ROOTINO] = 1;
    const queue = [ROOTINO];
    while (queue.length > 0) {
      const dir = queue.shift()!;
      this.checkDirectory(dir, parents[dir]!, (inum) => {
        parents[inum] = dir;
        queue.push(inum);
      });
    }
  }

  /**
   * Checks one directory's entries: "." and ".." as its first two, every entry naming an
   * allocated inode, and every other name reachable by a path. Counts the names for the link
   * counts and queues the subdirectories.
   */
  private checkDirectory(dir: number, parent: number, enqueue: (inum: number) => void): void {
    const size = this.sizes[dir]!;
    if (size % DIRENT_SIZE !== 0) {
      this.problem(`directory inode ${dir} has size ${size}, not a multiple of ${DIRENT_SIZE}`);
    }
    const entries = this.readContents(dir, size - (size % DIRENT_SIZE));
    const seen = new Set<string>();
    let dot = false;
    let dotdot = false;
    for (let off = 0; off < entries.length; off += DIRENT_SIZE) {
      const inum = decodeDirentInum(entries, off);
      if (inum === 0) continue;
      const name = decodeDirentName(entries, off);
      if (!this.checkEntryInode(dir, inum, name)) continue;
      if (off === 0 && name === ".") {
        dot = true;
        if (inum !== dir) {
          this.problem(`directory inode ${dir} has "." naming inode ${inum} instead of itself`);
        }
      } else if (off === DIRENT_SIZE && name === "..") {
        dotdot = true;
        if (inum !== parent) {
          this.problem(
            `directory inode ${dir} has ".." naming inode ${inum} instead of its parent ${parent}`,
          );
        }
      } else if (name === "." || name === "..") {
        // A "." or ".." in the wrong one of the first two entries is reported as missing below.
        if (off >= 2 * DIRENT_SIZE) {
          this.problem(
            `directory inode ${dir} has another ${quoteName(name)} entry at offset ${off}, naming inode ${inum}; only the entries at offsets 0 and ${DIRENT_SIZE} may be "." and ".."`,
          );
        }
      } else {
        this.checkReachable(dir, off, inum, name, seen);
        this.countName(dir, inum, name, enqueue);
      }
    }
    if (!dot || !dotdot) {
      this.problem(`directory inode ${dir} does not begin with "." and ".." entries`);
    }
  }

  /** Returns whether an entry names an allocated inode; reports the entry when not. */
  private checkEntryInode(dir: number, inum: number, name: string): boolean {
    if (inum >= this.layout.ninodes) {
      this.problem(
        `directory inode ${dir} has an entry ${quoteName(name)} naming inode ${inum}, beyond the ${this.layout.ninodes} inodes`,
      );
      return false;
    }
    if (this.types[inum] === 0) {
      this.problem(
        `directory inode ${dir} has an entry ${quoteName(name)} naming inode ${inum}, which is free`,
      );
      return false;
    }
    return true;
  }

  /**
   * Reports an entry that no path reaches: an empty name, a name with "/" (path lookup splits
   * there), or a name that an earlier entry of the directory already has (lookup stops at the
   * first). Such an entry still counts toward the inode's link count, since it names the inode.
   */
  private checkReachable(
    dir: number,
    off: number,
    inum: number,
    name: string,
    seen: Set<string>,
  ): void {
    const where = `directory inode ${dir} has`;
    if (name === "") {
      this.problem(
        `${where} an entry with an empty name at offset ${off}, naming inode ${inum}; no path reaches it`,
      );
    } else if (name.includes("/")) {
      this.problem(
        `${where} an entry ${quoteName(name)} at offset ${off}, naming inode ${inum}; no path reaches a name that contains "/"`,
      );
    } else if (seen.has(name)) {
      this.problem(
        `${where} a second entry ${quoteName(name)} at offset ${off}, naming inode ${inum}; lookups find only the first`,
      );
    }
    seen.add(name);
  }

  private countName(
    dir: number,
    inum: number,
    name: string,
    enqueue: (inum: number) => void,
  ): void {
    this.names[inum]!++;
    if (this.types[inum] !== T_DIR) {
      this.reached[inum] = 1;
      return;
    }
    if (this.reached[inum]) {
      this.problem(
        `directory inode ${inum} is named again as ${quoteName(name)} in directory ${dir}; a directory has one name, and a second one can make a loop`,
      );
      return;
    }
    this.reached[inum] = 1;
    this.subdirs[dir]!++;
    enqueue(inum);
  }

  /**
   * Reads the first `bytes` bytes of a directory through the blocks claimed for it. A corrupt
   * size never makes this read or allocate more than those blocks.
   */
  private readContents(inum: number, bytes: number): Uint8Array {
    const bsize = this.layout.blockSize;
    const addresses = this.dirBlocks.get(inum) ?? [];
    const data = new Uint8Array(Math.min(bytes, addresses.length * bsize));
    for (let bn = 0; bn * bsize < data.length; bn++) {
      const addr = addresses[bn] ?? 0;
      if (addr === 0) continue;
      this.view.read(addr, this.block);
      data.set(this.block.subarray(0, Math.min(bsize, data.length - bn * bsize)), bn * bsize);
    }
    return data;
  }

  private checkLinkCounts(): void {
    for (let inum = 1; inum < this.layout.ninodes; inum++) {
      const type = this.types[inum]!;
      if (type === 0) continue;
      const kind = TYPE_NAMES[type] ?? `type ${type}`;
      if (!this.reached[inum]) {
        this.problem(
          `inode ${inum} (${kind}, nlink ${this.nlinks[inum]}) is allocated, but no directory entry names it`,
        );
        continue;
      }
      const expected = type === T_DIR ? 1 + this.subdirs[inum]! : this.names[inum]!;
      if (this.nlinks[inum] !== expected) {
        const rule =
          type === T_DIR
            ? `xv6's rule gives ${expected} (1 for its name and 1 per subdirectory, of which it has ${this.subdirs[inum]})`
            : `${expected} directory entries name it`;
        this.problem(`inode ${inum} (${kind}) has nlink ${this.nlinks[inum]}, but ${rule}`);
      }
    }
  }
}
