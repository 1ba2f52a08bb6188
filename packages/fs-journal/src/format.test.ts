import { describe, expect, test } from "vitest";
import {
  bitmapBlock,
  bitmapByte,
  bitmapMask,
  checkSuperblock,
  crc32,
  type Dinode,
  decodeDinode,
  decodeDirentInum,
  decodeDirentName,
  decodeLogHeader,
  decodeSuperblock,
  describeLayout,
  detectGeometry,
  direntName,
  EXTENDED_MAGIC,
  encodeDinode,
  encodeDirent,
  encodeLogHeader,
  encodeStat,
  encodeSuperblock,
  getU32,
  inodeBlock,
  inodeOffset,
  NADDRS,
  planSuperblock,
} from "./format";

const xv6Default = planSuperblock("xv6", 1000, 200, 30);

describe("planSuperblock", () => {
  test("layout matches the real mkfs defaults", () => {
    expect(xv6Default).toEqual({
      size: 1000,
      nblocks: 941,
      ninodes: 200,
      nlog: 30,
      logstart: 2,
      inodestart: 32,
      bmapstart: 58,
    });
    expect(describeLayout("xv6", xv6Default).datastart).toBe(59);
  });

  test("extended layout starts the log at block 1", () => {
    const sb = planSuperblock("extended", 262144, 32768, 257);
    expect(sb.logstart).toBe(1);
    expect(sb.inodestart).toBe(258);
    expect(sb.bmapstart).toBe(258 + 32768 / 64 + 1);
    expect(sb.size - sb.nblocks).toBe(sb.bmapstart + 262144 / 32768 + 1);
  });
});

describe("describeLayout", () => {
  test("xv6 limits match xv6's constants", () => {
    const layout = describeLayout("xv6", xv6Default);
    expect(layout.ndirect).toBe(12);
    expect(layout.nindirect).toBe(128);
    expect(layout.maxFileBlocks).toBe(140);
    expect(layout.maxFileBytes).toBe(71680);
    expect(layout.logCapacity).toBe(29);
    expect(layout.maxOpBlocks).toBe(10);
    expect(layout.maxWriteBytes).toBe(1536);
    expect(layout.inodesPerBlock).toBe(8);
    expect(layout.bitsPerBlock).toBe(4096);
  });

  test("extended limits follow from the log size", () => {
    const layout = describeLayout("extended", planSuperblock("extended", 262144, 32768, 257));
    expect(layout.logCapacity).toBe(256);
    expect(layout.maxOpBlocks).toBe(64);
    expect(layout.maxWriteBytes).toBe(27 * 4096);
    expect(layout.ndirect).toBe(11);
    expect(layout.nindirect).toBe(1024);
    expect(layout.maxFileBlocks).toBe(11 + 1024 + 1024 * 1024);
    expect(layout.maxFileBytes).toBe(0xffffffff);
    expect(layout.maxFileBytes).toBeGreaterThan(2 ** 30);
  });

  test("extended write split fits the worst case in MAXOPBLOCKS", () => {
    for (const nlog of [256, 257, 513, 1023]) {
      const layout = describeLayout("extended", planSuperblock("extended", 100000, 1000, nlog));
      const blocks = layout.maxWriteBytes / 4096;
      // data + a bitmap block per allocation (data and 4 index blocks) + 4 index blocks + inode
      expect(blocks + (blocks + 4) + 4 + 1).toBeLessThanOrEqual(layout.maxOpBlocks);
    }
  });
});

describe("checkSuperblock", () => {
  test("accepts the default layout", () => {
    expect(checkSuperblock("xv6", xv6Default, 1000)).toBeNull();
  });

  test("reports a truncated image", () => {
    expect(checkSuperblock("xv6", xv6Default, 999)).toBe(
      "the image is truncated: the xv6 superblock gives 1000 blocks but the device holds 999",
    );
  });

  test("reports overlapping regions", () => {
    expect(checkSuperblock("xv6", { ...xv6Default, inodestart: 20 }, 1000)).toMatch(
      /inodes at block 20, inside the log/,
    );
    expect(checkSuperblock("xv6", { ...xv6Default, bmapstart: 40 }, 1000)).toMatch(
      /bitmap at block 40, but 200 inodes need blocks 32 to 56/,
    );
    expect(checkSuperblock("xv6", { ...xv6Default, nblocks: 999 }, 1000)).toMatch(
      /starts the data at block 1, but the bitmap needs block/,
    );
  });

  test("reports impossible counts", () => {
    expect(checkSuperblock("xv6", { ...xv6Default, ninodes: 0 }, 1000)).toMatch(/0 inodes/);
    expect(checkSuperblock("xv6", { ...xv6Default, ninodes: 70000 }, 1000)).toMatch(/70000 inodes/);
    expect(checkSuperblock("xv6", { ...xv6Default, nlog: 5 }, 1000)).toMatch(/log of 5 blocks/);
    expect(checkSuperblock("xv6", { ...xv6Default, size: 0 }, 1000)).toMatch(/size of 0 blocks/);
    expect(checkSuperblock("xv6", { ...xv6Default, logstart: 1 }, 1000)).toMatch(
      /log at block 1, over the superblock/,
    );
  });

  test("reports an extended disk too large for its log", () => {
    const sb = planSuperblock("extended", 8 * 1024 * 1024, 65536, 257);
    expect(checkSuperblock("extended", sb, sb.size)).toMatch(/256 bitmap blocks/);
  });
});

describe("superblock encoding", () => {
  test("xv6 superblock is seven little-endian words", () => {
    const area = new Uint8Array(512).fill(0xee);
    encodeSuperblock("xv6", xv6Default, area);
    const words = [1000, 941, 200, 30, 2, 32, 58];
    for (const [i, word] of words.entries()) expect(getU32(area, 4 * i)).toBe(word);
    expect(area.subarray(28).every((b) => b === 0)).toBe(true);
    expect(detectGeometry(area)).toBe("xv6");
    expect(decodeSuperblock(area)).toEqual({ geometry: "xv6", sb: xv6Default, problem: null });
  });

  test("extended superblock carries magic, version, block size and checksum", () => {
    const sb = planSuperblock("extended", 4096, 512, 257);
    const area = new Uint8Array(512);
    encodeSuperblock("extended", sb, area);
    expect(getU32(area, 28)).toBe(0);
    expect(getU32(area, 32)).toBe(EXTENDED_MAGIC);
    expect(Array.from(area.subarray(32, 36))).toEqual([0x78, 0x76, 0x36, 0x58]);
    expect(getU32(area, 36)).toBe(1);
    expect(getU32(area, 40)).toBe(4096);
    expect(getU32(area, 44)).toBe(crc32(area, 0, 44));
    expect(decodeSuperblock(area)).toEqual({ geometry: "extended", sb, problem: null });
  });

  test("extended superblock with a changed byte fails its checksum", () => {
    const area = new Uint8Array(512);
    encodeSuperblock("extended", planSuperblock("extended", 4096, 512, 257), area);
    area[8]! ^= 1;
    expect(decodeSuperblock(area).problem).toBe(
      "the extended superblock's checksum does not match its contents",
    );
  });
});

describe("inode encoding", () => {
  test("dinode fields sit at their xv6 offsets", () => {
    const addrs = new Uint32Array(NADDRS);
    for (let i = 0; i < NADDRS; i++) addrs[i] = 1000 + i;
    const inode: Dinode = { type: 2, major: 3, minor: 4, nlink: 5, size: 0x01020304, addrs };
    const buf = new Uint8Array(128);
    encodeDinode(inode, buf, 64);
    expect(Array.from(buf.subarray(64, 76))).toEqual([2, 0, 3, 0, 4, 0, 5, 0, 4, 3, 2, 1]);
    expect(getU32(buf, 64 + 12)).toBe(1000);
    expect(getU32(buf, 64 + 12 + 4 * 12)).toBe(1012);
    const back: Dinode = {
      type: 0,
      major: 0,
      minor: 0,
      nlink: 0,
      size: 0,
      addrs: new Uint32Array(NADDRS),
    };
    decodeDinode(buf, 64, back);
    expect(back).toEqual(inode);
  });

  test("inode i lives in block inodestart + i / IPB", () => {
    const layout = describeLayout("xv6", xv6Default);
    expect(inodeBlock(layout, 1)).toBe(32);
    expect(inodeOffset(layout, 1)).toBe(64);
    expect(inodeBlock(layout, 17)).toBe(34);
    expect(inodeOffset(layout, 17)).toBe(64);
  });
});

describe("directory entries", () => {
  test("entry is a 16-bit inum and a 14-byte name", () => {
    const buf = new Uint8Array(16).fill(0xaa);
    encodeDirent(buf, 0, 0x1234, "ls");
    expect(Array.from(buf)).toEqual([0x34, 0x12, 0x6c, 0x73, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(decodeDirentInum(buf, 0)).toBe(0x1234);
    expect(decodeDirentName(buf, 0)).toBe("ls");
  });

  test("name of 14 bytes has no NUL", () => {
    const buf = new Uint8Array(16);
    encodeDirent(buf, 0, 3, "abcdefghijklmnopq");
    expect(buf[15]).toBe("n".charCodeAt(0));
    expect(decodeDirentName(buf, 0)).toBe("abcdefghijklmn");
  });

  test("direntName cuts at NUL and DIRSIZ", () => {
    expect(direntName("abcdefghijklmnopq")).toBe("abcdefghijklmn");
    expect(direntName("ab\0cd")).toBe("ab");
    expect(direntName("\xff\xfe")).toBe("\xff\xfe");
  });
});

describe("log header encoding", () => {
  test("xv6 header is n and home block numbers", () => {
    const buf = new Uint8Array(512);
    encodeLogHeader("xv6", [60, 32, 58], 3, buf);
    expect(Array.from(buf.subarray(0, 16))).toEqual([
      3, 0, 0, 0, 60, 0, 0, 0, 32, 0, 0, 0, 58, 0, 0, 0,
    ]);
    expect(decodeLogHeader("xv6", buf)).toEqual({ n: 3, blocks: [60, 32, 58], torn: false });
  });

  test("extended header checksum covers n and the entries", () => {
    const blocks = Array.from({ length: 300 }, (_, i) => 1000 + i);
    const buf = new Uint8Array(4096);
    encodeLogHeader("extended", blocks, 300, buf);
    expect(getU32(buf, 0)).toBe(300);
    expect(getU32(buf, 8)).toBe(1000);
    expect(decodeLogHeader("extended", buf)).toEqual({ n: 300, blocks, torn: false });
  });

  test("extended header with a stale sector reads as no commit", () => {
    const old = new Uint8Array(4096);
    encodeLogHeader("extended", [], 0, old);
    const fresh = new Uint8Array(4096);
    encodeLogHeader(
      "extended",
      Array.from({ length: 300 }, (_, i) => 1000 + i),
      300,
      fresh,
    );
    const torn = fresh.slice();
    torn.set(old.subarray(1024, 1536), 1024);
    expect(decodeLogHeader("extended", torn).torn).toBe(true);
    const oldFirst = old.slice();
    oldFirst.set(fresh.subarray(512), 512);
    // With the first sector still old, the header is the complete old one: n = 0, no commit.
    expect(decodeLogHeader("extended", oldFirst)).toMatchObject({ n: 0, torn: false });
  });

  test("zeroed extended header reads as torn, never as a commit", () => {
    expect(decodeLogHeader("extended", new Uint8Array(4096))).toMatchObject({ n: 0, torn: true });
  });
});

describe("bitmap addressing", () => {
  test("block b is bit b%8 of byte (b%BPB)/8", () => {
    const layout = describeLayout("xv6", xv6Default);
    expect(bitmapBlock(layout, 59)).toBe(58);
    expect(bitmapByte(layout, 59)).toBe(7);
    expect(bitmapMask(59)).toBe(1 << 3);
    expect(bitmapBlock(layout, 4096 + 9)).toBe(59);
    expect(bitmapByte(layout, 4096 + 9)).toBe(1);
  });
});

describe("encodeStat", () => {
  test("struct stat is 20 bytes at xv6's offsets", () => {
    const buf = new Uint8Array(24).fill(0xff);
    encodeStat({ type: 2, dev: 1, ino: 0x0a0b, nlink: 3, size: 0x10203 }, buf, 2);
    expect(Array.from(buf.subarray(2, 22))).toEqual([
      2, 0, 0, 0, 1, 0, 0, 0, 0x0b, 0x0a, 0, 0, 3, 0, 0, 0, 3, 2, 1, 0,
    ]);
    expect(buf[0]).toBe(0xff);
    expect(buf[22]).toBe(0xff);
  });
});

describe("crc32", () => {
  test("matches the IEEE check value", () => {
    const data = new TextEncoder().encode("123456789");
    expect(crc32(data)).toBe(0xcbf43926);
    expect(crc32(data, 4, 9, crc32(data, 0, 4))).toBe(0xcbf43926);
  });
});
