/**
 * Test helpers. `sampleContents` is a realistic image: a small program with text, data, a zero
 * page, the stack guard and the stack, the console on fds 0 to 2, and an open file. `rawImage`
 * builds images from hand-made records, for layouts the encoder never writes (unknown kinds, bad
 * lengths, future versions).
 */
import { crc32c } from "../src/crc32c.js";
import {
  HEADER_SIZE,
  IMAGE_MAGIC,
  type ImageContents,
  PAGE_SIZE,
  RECORD_HEADER_SIZE,
} from "../src/format.js";

/** Returns a page filled with a pattern derived from its address, so that swapped pages show. */
export function patternPage(va: number): Uint8Array {
  const bytes = new Uint8Array(PAGE_SIZE);
  for (let i = 0; i < PAGE_SIZE; i++) bytes[i] = (va / PAGE_SIZE + i * 7) & 0xff;
  return bytes;
}

/** Returns the contents of a five-page process blocked in `sleep`. */
export function sampleContents(): ImageContents {
  return {
    process: {
      pid: 4,
      parentPid: 2,
      name: "counter",
      sz: 0x5000,
      uptime: 1234,
      blockedSyscall: 13,
      sleepTicksRemaining: 17,
      savedItself: false,
    },
    registers: {
      eax: 13,
      ecx: 0xffffffff,
      edx: 2,
      ebx: 3,
      esp: 0x4fd0,
      ebp: 0x4fe8,
      esi: 5,
      edi: 6,
      eip: 0x2a1,
      eflags: 0x246,
      cs: 0x1b,
      ss: 0x23,
      ds: 0x23,
      es: 0x23,
      fs: 0,
      gs: 0,
    },
    cwd: { inum: 1, path: "/" },
    descriptors: [
      consoleDescriptor(0, null),
      consoleDescriptor(1, 0),
      consoleDescriptor(2, 0),
      {
        fd: 3,
        kind: "file",
        readable: true,
        writable: false,
        sharesWith: null,
        inum: 12,
        offset: 100,
        major: 0,
        minor: 0,
        path: "/README",
      },
    ],
    pages: [
      { va: 0x0000, flags: 0x7, bytes: patternPage(0x0000) },
      { va: 0x1000, flags: 0x7, bytes: patternPage(0x1000) },
      { va: 0x2000, flags: 0x7, bytes: null },
      { va: 0x3000, flags: 0x3, bytes: null },
      { va: 0x4000, flags: 0x7, bytes: patternPage(0x4000) },
    ],
  };
}

function consoleDescriptor(fd: number, sharesWith: number | null) {
  return {
    fd,
    kind: "device" as const,
    readable: true,
    writable: true,
    sharesWith,
    inum: 2,
    offset: 0,
    major: 1,
    minor: 1,
    path: "/console",
  };
}

/** A record for `rawImage`: kind, flags and payload, with an optional wrong checksum. */
export interface RawRecord {
  kind: number;
  flags?: number;
  payload: Uint8Array;
  badChecksum?: boolean;
}

/** Splits an encoded image into its records, so a test can change one and rebuild. */
export function splitRecords(image: Uint8Array): RawRecord[] {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const records: RawRecord[] = [];
  for (let at = HEADER_SIZE; at < image.length; ) {
    const length = view.getUint32(at + 4, true);
    const body = at + RECORD_HEADER_SIZE;
    records.push({
      kind: view.getUint16(at, true),
      flags: view.getUint16(at + 2, true),
      payload: image.slice(body, body + length),
    });
    at = body + length + ((4 - (length % 4)) % 4);
  }
  return records;
}

/** Builds an image from records with correct checksums (unless asked otherwise). */
export function rawImage(records: RawRecord[], version: [number, number] = [1, 0]): Uint8Array {
  let length = HEADER_SIZE;
  for (const record of records)
    length += RECORD_HEADER_SIZE + Math.ceil(record.payload.length / 4) * 4;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);

  let at = HEADER_SIZE;
  for (const record of records) {
    view.setUint16(at, record.kind, true);
    view.setUint16(at + 2, record.flags ?? 0, true);
    view.setUint32(at + 4, record.payload.length, true);
    out.set(record.payload, at + RECORD_HEADER_SIZE);
    const crc = crc32c(record.payload, crc32c(out.subarray(at, at + 8)));
    view.setUint32(at + 8, record.badChecksum ? crc ^ 1 : crc, true);
    at += RECORD_HEADER_SIZE + Math.ceil(record.payload.length / 4) * 4;
  }
  out.set(IMAGE_MAGIC, 0);
  view.setUint16(8, version[0], true);
  view.setUint16(10, version[1], true);
  view.setUint32(16, records.length, true);
  view.setUint32(20, length, true);
  resealImage(out);
  return out;
}

/** Recomputes the header's two checksums after a test changed bytes it wants read as valid. */
export function resealImage(image: Uint8Array): void {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  view.setUint32(24, crc32c(image.subarray(HEADER_SIZE)), true);
  view.setUint32(28, crc32c(image.subarray(0, 28)), true);
}

/** Compares bytes without vitest's element-by-element diff, which is slow for megabytes. */
export function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return actual.length === expected.length && Buffer.from(actual).equals(Buffer.from(expected));
}
