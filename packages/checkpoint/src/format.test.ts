import { describe, expect, it } from "vitest";
import { rawImage, resealImage, sampleContents, splitRecords } from "../test/sample-image.js";
import { crc32c } from "./crc32c.js";
import {
  checkEncodable,
  decodeImage,
  encodeImage,
  HEADER_SIZE,
  type ImageContents,
  parseImage,
  RECORD_DESCRIPTOR,
  RECORD_PAGE,
  RECORD_PROCESS,
} from "./format.js";

function decodeOrThrow(bytes: Uint8Array) {
  const result = decodeImage(bytes);
  if (!result.ok) throw new Error(result.reason);
  return result.image;
}

function reasonOf(bytes: Uint8Array): string {
  const result = decodeImage(bytes);
  return result.ok ? "accepted" : result.reason;
}

describe("encodeImage", () => {
  it("round-trips through decodeImage", () => {
    const contents = sampleContents();
    const image = decodeOrThrow(encodeImage(contents));
    expect(image).toEqual({ ...contents, version: { major: 1, minor: 0 }, skipped: [] });
  });

  it("writes the header layout of version 1", () => {
    const bytes = encodeImage(sampleContents());
    const view = new DataView(bytes.buffer);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([
      0x89, 0x78, 0x76, 0x36, 0x63, 0x6b, 0x70, 0x74,
    ]);
    expect(view.getUint16(8, true)).toBe(1);
    expect(view.getUint16(10, true)).toBe(0);
    expect(view.getUint32(12, true)).toBe(0);
    // process, registers, cwd, 4 descriptors, 5 pages
    expect(view.getUint32(16, true)).toBe(12);
    expect(view.getUint32(20, true)).toBe(bytes.length);
    expect(view.getUint32(24, true)).toBe(crc32c(bytes.subarray(HEADER_SIZE)));
    expect(view.getUint32(28, true)).toBe(crc32c(bytes.subarray(0, 28)));
  });

  it("writes the process record at its documented offsets", () => {
    const bytes = encodeImage(sampleContents());
    const view = new DataView(bytes.buffer);
    const at = HEADER_SIZE;
    expect(view.getUint16(at, true)).toBe(RECORD_PROCESS);
    expect(view.getUint32(at + 4, true)).toBe(44);
    expect(view.getUint32(at + 8, true)).toBe(
      crc32c(bytes.subarray(at + 12, at + 56), crc32c(bytes.subarray(at, at + 8))),
    );
    const body = at + 12;
    expect(view.getUint32(body, true)).toBe(4);
    expect(view.getUint32(body + 4, true)).toBe(2);
    expect(view.getUint32(body + 8, true)).toBe(0x5000);
    expect(view.getUint32(body + 12, true)).toBe(1234);
    expect(view.getUint32(body + 16, true)).toBe(13);
    expect(view.getUint32(body + 20, true)).toBe(17);
    expect(view.getUint32(body + 24, true)).toBe(0);
    expect(new TextDecoder().decode(bytes.subarray(body + 28, body + 35))).toBe("counter");
    expect(bytes[body + 35]).toBe(0);
  });

  it("stores a zero page without its bytes", () => {
    const contents = sampleContents();
    const withZero = encodeImage(contents).length;
    contents.pages[2]!.bytes = new Uint8Array(4096);
    expect(encodeImage(contents).length - withZero).toBe(4096);
  });

  it("keeps a 15-byte name and rejects a longer one", () => {
    const contents = sampleContents();
    contents.process.name = "fifteen-letters";
    expect(decodeOrThrow(encodeImage(contents)).process.name).toBe("fifteen-letters");
    contents.process.name = "sixteen-letters!";
    expect(checkEncodable(contents)).toBe(
      "the name is 16 bytes, longer than the 15 an image can store",
    );
    expect(() => encodeImage(contents)).toThrow(
      new RangeError("encodeImage: the name is 16 bytes, longer than the 15 an image can store"),
    );
  });

  it("keeps every byte of a name but NUL", () => {
    const contents = sampleContents();
    contents.process.name = "b\x1bx\x7f\x80\xff\x01";
    expect(decodeOrThrow(encodeImage(contents)).process.name).toBe("b\x1bx\x7f\x80\xff\x01");
    contents.process.name = "a\0b";
    expect(checkEncodable(contents)).toBe("the name contains a NUL byte");
  });

  it("stores a 65535-byte path and rejects a longer one", () => {
    const contents = sampleContents();
    const longest = `/${"d".repeat(65534)}`;
    contents.cwd.path = longest;
    contents.descriptors[3]!.path = longest;
    const image = decodeOrThrow(encodeImage(contents));
    expect(image.cwd.path).toBe(longest);
    expect(image.descriptors[3]!.path).toBe(longest);

    contents.cwd.path = `${longest}d`;
    expect(checkEncodable(contents)).toBe(
      "the working directory path is 65536 bytes, longer than the 65535 an image can store",
    );
    contents.cwd.path = "/";
    contents.descriptors[3]!.path = `${longest}d`;
    expect(checkEncodable(contents)).toBe(
      "fd 3 path is 65536 bytes, longer than the 65535 an image can store",
    );
  });

  it("rejects values their fields cannot hold", () => {
    const cases: [(contents: ImageContents) => void, string][] = [
      [
        (c) => {
          c.cwd.path = "/caf\u20ac";
        },
        "the working directory path has character U+20ac at 4, which is not one byte",
      ],
      [
        (c) => {
          c.process.pid = 2 ** 32;
        },
        "pid 4294967296 does not fit its field (0 to 4294967295)",
      ],
      [
        (c) => {
          c.process.sz = -1;
        },
        "size -1 does not fit its field (0 to 4294967295)",
      ],
      [
        (c) => {
          c.registers.eip = 1.5;
        },
        "eip 1.5 does not fit its field (-2147483648 to 4294967295)",
      ],
      [
        (c) => {
          c.descriptors[3]!.fd = 255;
        },
        "descriptor number 255 does not fit its field (0 to 254)",
      ],
      [
        (c) => {
          c.descriptors[3]!.major = 0x8000;
        },
        "fd 3 major 32768 does not fit its field (-32768 to 32767)",
      ],
      [
        (c) => {
          c.descriptors[3]!.offset = -1;
        },
        "fd 3 offset -1 does not fit its field (0 to 4294967295)",
      ],
      [
        (c) => {
          c.pages[0]!.bytes = new Uint8Array(100);
        },
        "page 0x0 has 100 bytes, not 4096",
      ],
      [
        (c) => {
          c.pages[1]!.flags = 0x10000;
        },
        "page permission bits 65536 does not fit its field (0 to 65535)",
      ],
    ];
    for (const [change, reason] of cases) {
      const contents = sampleContents();
      change(contents);
      expect(checkEncodable(contents)).toBe(reason);
      expect(() => encodeImage(contents)).toThrow(RangeError);
    }
  });

  it("keeps registers with the top bit set unsigned", () => {
    const contents = sampleContents();
    contents.registers.ecx = -1;
    expect(decodeOrThrow(encodeImage(contents)).registers.ecx).toBe(0xffffffff);
  });
});

describe("parseImage", () => {
  it("skips the checksums only when asked", () => {
    const bytes = encodeImage(sampleContents());
    // A byte of the last page's data: the layout stays readable, its checksums do not match.
    bytes[bytes.length - 100]! ^= 1;
    const checked = parseImage(bytes);
    expect(checked).toMatchObject({ ok: true, checksums: { ok: false } });
    const unchecked = parseImage(bytes, false);
    expect(unchecked).toMatchObject({ ok: true, checksums: { ok: true, problems: [] } });
  });
});

describe("decodeImage", () => {
  it("rejects bytes without the magic number", () => {
    expect(reasonOf(new TextEncoder().encode("this is not a checkpoint image\n"))).toBe(
      "not a checkpoint image (the magic number does not match)",
    );
    expect(reasonOf(new Uint8Array(0))).toBe(
      "not a checkpoint image (the magic number does not match)",
    );
  });

  it("names an unknown major version", () => {
    const bytes = rawImage([], [2, 3]);
    expect(reasonOf(bytes)).toBe("unknown image format version 2.3; this reader reads version 1");
  });

  it("reads a newer minor version of the same major version", () => {
    const records = splitRecords(encodeImage(sampleContents()));
    const image = decodeOrThrow(rawImage(records, [1, 7]));
    expect(image.version).toEqual({ major: 1, minor: 7 });
  });

  it("rejects a damaged header", () => {
    const bytes = encodeImage(sampleContents());
    bytes[17] ^= 1;
    expect(reasonOf(bytes)).toBe("the header checksum does not match");
  });

  it("rejects truncated images at every length", () => {
    const bytes = encodeImage(sampleContents());
    for (const length of [11, 12, 31, 32, 100, bytes.length - 4096, bytes.length - 1]) {
      expect(reasonOf(bytes.subarray(0, length)), `length ${length}`).not.toBe("accepted");
    }
    expect(reasonOf(bytes.subarray(0, bytes.length - 1))).toBe(
      `truncated: the header says ${bytes.length} bytes, but there are only ${bytes.length - 1}`,
    );
  });

  it("rejects bytes after the end of the image", () => {
    const bytes = encodeImage(sampleContents());
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect(reasonOf(longer)).toBe("3 bytes follow the end of the image");
  });

  it("rejects a record count the length cannot hold", () => {
    const bytes = encodeImage(sampleContents());
    new DataView(bytes.buffer).setUint32(16, 0xffffffff, true);
    resealImage(bytes);
    expect(reasonOf(bytes)).toBe(
      `the header claims 4294967295 records, more than ${bytes.length} bytes can hold`,
    );
  });

  it("rejects a record length past the end", () => {
    const records = splitRecords(encodeImage(sampleContents()));
    const bytes = rawImage(records);
    // Record 0's length field, then reseal so that only the structure is wrong.
    new DataView(bytes.buffer).setUint32(HEADER_SIZE + 4, 0x7ffffff0, true);
    resealImage(bytes);
    expect(reasonOf(bytes)).toBe(
      "record 0 (process) claims 2147483632 bytes, past the end of the image",
    );
  });

  it("reports a bad record checksum with the page address", () => {
    const bytes = encodeImage(sampleContents());
    bytes[bytes.length - 100] ^= 0x40;
    const parsed = parseImage(bytes);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.checksums).toEqual({
      ok: false,
      problems: [
        "record 11 (page at 0x4000) has a bad checksum",
        "the checksum over all records does not match",
      ],
    });
    expect(reasonOf(bytes)).toBe("record 11 (page at 0x4000) has a bad checksum");
  });

  it("rejects a record whose checksum alone is wrong", () => {
    const records = splitRecords(encodeImage(sampleContents()));
    records[1]!.badChecksum = true;
    expect(reasonOf(rawImage(records))).toBe("record 1 (registers) has a bad checksum");
  });

  it("skips an unknown record marked may-skip", () => {
    const records = splitRecords(encodeImage(sampleContents()));
    records.splice(2, 0, { kind: 900, flags: 1, payload: Uint8Array.of(1, 2, 3, 4, 5) });
    const image = decodeOrThrow(rawImage(records));
    expect(image.skipped).toEqual([{ kind: 900, length: 5 }]);
    expect(image.descriptors).toHaveLength(4);
  });

  it("rejects an unknown record not marked may-skip", () => {
    const records = splitRecords(encodeImage(sampleContents()));
    records.splice(2, 0, { kind: 900, payload: Uint8Array.of(1, 2, 3, 4) });
    expect(reasonOf(rawImage(records))).toBe(
      "record 2 (kind 900) has an unknown kind and may not be skipped (image version 1.0)",
    );
  });

  it("rejects unknown record flags and nonzero padding", () => {
    const records = splitRecords(encodeImage(sampleContents()));
    records[0]!.flags = 2;
    expect(reasonOf(rawImage(records))).toBe("record 0 (process) has unknown flags 0x2");

    const bytes = encodeImage(sampleContents());
    // The cwd record "/" has a 7-byte payload and one byte of padding.
    const cwdPadding = HEADER_SIZE + (12 + 44) + (12 + 64) + 12 + 7;
    bytes[cwdPadding] = 1;
    resealImage(bytes);
    expect(reasonOf(bytes)).toBe("record 2 (working directory) has nonzero padding");
  });

  it("rejects missing and repeated required records", () => {
    const records = splitRecords(encodeImage(sampleContents()));
    expect(reasonOf(rawImage(records.filter((r) => r.kind !== RECORD_PROCESS)))).toBe(
      "the image has no process record",
    );
    expect(reasonOf(rawImage([records[0]!, ...records]))).toBe(
      "record 1 (process) repeats the process record",
    );
  });

  it("rejects malformed descriptor and page records", () => {
    const records = splitRecords(encodeImage(sampleContents()));
    const descriptorIndex = records.findIndex((r) => r.kind === RECORD_DESCRIPTOR);
    const pageIndex = records.findIndex((r) => r.kind === RECORD_PAGE);
    const cases: [number, (payload: Uint8Array) => Uint8Array, string][] = [
      [descriptorIndex, (p) => p.subarray(0, 10), "has 10 bytes, fewer than 18"],
      [descriptorIndex, (p) => withByte(p, 1, 9), "has unknown descriptor kind 9"],
      [descriptorIndex, (p) => withByte(p, 2, 4), "has unknown mode bits 0x4"],
      [descriptorIndex, (p) => withByte(p, 16, 200), "has a malformed path"],
      [pageIndex, (p) => withByte(p, 6, 7), "has unknown page encoding 7"],
      [pageIndex, (p) => p.subarray(0, 100), "has 100 bytes, expected 4104"],
    ];
    for (const [index, change, expected] of cases) {
      const changed = records.map((r, i) =>
        i === index ? { ...r, payload: change(r.payload) } : r,
      );
      const name = index === pageIndex ? "page" : "descriptor";
      expect(reasonOf(rawImage(changed))).toBe(`record ${index} (${name}) ${expected}`);
    }
  });
});

function withByte(payload: Uint8Array, offset: number, value: number): Uint8Array {
  const copy = payload.slice();
  copy[offset] = value;
  return copy;
}

describe("format functions", () => {
  it("raise a TypeError for contents of the wrong shape", () => {
    const asContents = (value: unknown) => value as ImageContents;
    expect(() => encodeImage(asContents({}))).toThrow(
      new TypeError("encodeImage: contents.process must be an object, got undefined"),
    );
    expect(() => encodeImage(asContents(null))).toThrow(
      new TypeError("encodeImage: contents must be an object, got null"),
    );
    expect(() =>
      encodeImage(asContents({ ...sampleContents(), pages: [{ va: 0, flags: 7, bytes: [1] }] })),
    ).toThrow(
      new TypeError(
        "encodeImage: contents.pages[0].bytes must be a Uint8Array or null, got an array of 1 elements",
      ),
    );
    expect(() => checkEncodable(asContents({ ...sampleContents(), descriptors: 5 }))).toThrow(
      new TypeError("checkEncodable: contents.descriptors must be an array, got 5"),
    );
  });

  it("raise a TypeError for bytes that are not a Uint8Array", () => {
    expect(() => decodeImage("abc" as unknown as Uint8Array)).toThrow(
      new TypeError('decodeImage: bytes must be a Uint8Array, got "abc"'),
    );
    expect(() => parseImage([1, 2] as unknown as Uint8Array)).toThrow(
      new TypeError("parseImage: bytes must be a Uint8Array, got an array of 2 elements"),
    );
  });
});
