/**
 * The checkpoint image format, the one place that encodes and decodes it.
 *
 * An image is a 32-byte header followed by records. All integers are little-endian. Every record
 * carries its own CRC-32C, and the header carries a CRC-32C of all records and one of itself.
 *
 *   header, 32 bytes
 *     0   8  magic: 89 78 76 36 63 6b 70 74 ("\x89xv6ckpt"; the high first byte catches
 *            transfers that strip the eighth bit, as PNG's magic does)
 *     8   2  major format version (1)    bytes 0 to 11 keep this meaning in every version,
 *    10   2  minor format version (0)    so any reader can name a version it cannot read
 *    12   4  header flags, 0 (a reader refuses other values)
 *    16   4  number of records
 *    20   4  image length in bytes, header included
 *    24   4  CRC-32C of bytes [32, length): every record, padding included
 *    28   4  CRC-32C of bytes [0, 28)
 *
 *   record, 12 bytes + payload + padding
 *     0   2  kind (the table below)
 *     2   2  record flags: bit 0 MAY_SKIP, bits 1 to 15 zero
 *     4   4  payload length n
 *     8   4  CRC-32C of bytes [0, 8) of this record followed by the n payload bytes
 *    12   n  payload
 *  12+n      zero bytes up to a multiple of 4
 *
 * Record kinds of version 1. Numbers are never reused: a retired kind stays listed here as a
 * comment. A reader skips a record of an unknown kind only when its MAY_SKIP bit is set, so a
 * later minor version can add records that older readers of the same major version ignore.
 *
 *   1 PROCESS, exactly once, 44 bytes
 *     0  4  pid                    4  4  parent pid
 *     8  4  sz (bytes of user memory)
 *    12  4  uptime: the ticks `uptime()` returned to the process when it was saved
 *    16  4  system call the process was blocked in, 0 for none (its eip is on that `int $64`)
 *    20  4  ticks that remained of the `sleep` it was blocked in, else 0
 *    24  4  flags: bit 0 SAVED_ITSELF (the process called checkpoint on itself; eax holds 1)
 *    28 16  name, latin1, NUL-padded (at most 15 bytes)
 *   2 REGISTERS, exactly once, 64 bytes: 16 u32 in the order eax ecx edx ebx esp ebp esi edi
 *     eip eflags cs ss ds es fs gs
 *   3 CWD, exactly once: 0 4 inode number, 4 2 path length p, 6 p path (absolute, latin1)
 *   4 DESCRIPTOR, once per open descriptor
 *     0  1  fd                     1  1  kind: 1 file, 2 directory, 3 device, 4 pipe read
 *     2  1  mode: bit 0 readable,         end, 5 pipe write end
 *           bit 1 writable         3  1  fd of a lower descriptor sharing this open file (after
 *     4  4  inode number (0: pipe)        dup or fork, so one offset), or 0xff for none
 *     8  4  offset                12  2  major (int16)     14  2  minor (int16)
 *    16  2  path length p (0: pipe)       18  p  path the file was opened by (absolute, latin1)
 *   5 PAGE, once per present user page: 0 4 va (page-aligned), 4 2 the page's pte permission
 *     bits (P 0x1 always, W 0x2, U 0x4; the stack guard page lacks U), 6 2 encoding:
 *     0 RAW (4096 bytes follow), 1 ZERO (the page holds only zeros; nothing follows)
 */
import { checkBytes, checkContentsShape } from "./arguments.js";
import { crc32c } from "./crc32c.js";

export const IMAGE_MAGIC = Uint8Array.of(0x89, 0x78, 0x76, 0x36, 0x63, 0x6b, 0x70, 0x74);
/** The format version this package writes. */
export const FORMAT_MAJOR = 1;
export const FORMAT_MINOR = 0;
export const HEADER_SIZE = 32;
export const RECORD_HEADER_SIZE = 12;
export const RECORD_MAY_SKIP = 0x1;

export const RECORD_PROCESS = 1;
export const RECORD_REGISTERS = 2;
export const RECORD_CWD = 3;
export const RECORD_DESCRIPTOR = 4;
export const RECORD_PAGE = 5;

const RECORD_NAMES: Record<number, string> = {
  [RECORD_PROCESS]: "process",
  [RECORD_REGISTERS]: "registers",
  [RECORD_CWD]: "working directory",
  [RECORD_DESCRIPTOR]: "descriptor",
  [RECORD_PAGE]: "page",
};

const PROCESS_PAYLOAD = 44;
const REGISTERS_PAYLOAD = 64;
const NAME_FIELD = 16;
const PROCESS_SAVED_ITSELF = 0x1;
const DESCRIPTOR_FIXED = 18;
const CWD_FIXED = 6;
const NOT_SHARED = 0xff;
export const PAGE_SIZE = 4096;
const PAGE_FIXED = 8;
const PAGE_RAW = 0;
const PAGE_ZERO = 1;

/** The 16 user registers, in the order the REGISTERS record stores them. */
export const REGISTER_ORDER = [
  "eax",
  "ecx",
  "edx",
  "ebx",
  "esp",
  "ebp",
  "esi",
  "edi",
  "eip",
  "eflags",
  "cs",
  "ss",
  "ds",
  "es",
  "fs",
  "gs",
] as const;

/** Every user register, as unsigned 32-bit values (the kernel's CpuContext has this shape). */
export type Registers = Record<(typeof REGISTER_ORDER)[number], number>;

/** The kind of object a descriptor refers to, named as the kernel names open-file kinds. */
export type DescriptorKind = "file" | "directory" | "device" | "pipe-read" | "pipe-write";

const KIND_CODES: Record<DescriptorKind, number> = {
  file: 1,
  directory: 2,
  device: 3,
  "pipe-read": 4,
  "pipe-write": 5,
};
const KINDS_BY_CODE: (DescriptorKind | undefined)[] = [
  undefined,
  "file",
  "directory",
  "device",
  "pipe-read",
  "pipe-write",
];

/** The process record. */
export interface ProcessRecord {
  pid: number;
  parentPid: number;
  name: string;
  sz: number;
  /** Ticks `uptime()` returned to the process when it was saved. */
  uptime: number;
  /** The system call it was blocked in (eip on that `int $64`), 0 for none. */
  blockedSyscall: number;
  /** Ticks left of the `sleep` it was blocked in; 0 otherwise. */
  sleepTicksRemaining: number;
  /** The process saved itself, so eax contains 1 and eip follows its `int $64`. */
  savedItself: boolean;
}

/** One open descriptor. */
export interface DescriptorRecord {
  fd: number;
  kind: DescriptorKind;
  readable: boolean;
  writable: boolean;
  /** A lower descriptor that shares this open file (one offset), or null. */
  sharesWith: number | null;
  /** Inode number; 0 for a pipe end. */
  inum: number;
  offset: number;
  major: number;
  minor: number;
  /** Absolute path the file was opened by; null for a pipe end. */
  path: string | null;
}

/** One present user page. */
export interface PageRecord {
  va: number;
  /** PTE permission bits: P (0x1) with W (0x2) and U (0x4) as the page had them. */
  flags: number;
  /** The page's 4096 bytes, or null for a page of zeros. */
  bytes: Uint8Array | null;
}

/** A record of a kind this reader does not know, skipped because its MAY_SKIP bit was set. */
export interface SkippedRecord {
  kind: number;
  length: number;
}

/** A decoded image. */
export interface CheckpointImage {
  version: { major: number; minor: number };
  process: ProcessRecord;
  registers: Registers;
  cwd: { inum: number; path: string };
  descriptors: DescriptorRecord[];
  /** Present pages, in the order the image stores them. */
  pages: PageRecord[];
  skipped: SkippedRecord[];
}

/** The parts of an image the encoder takes: everything but the version and skipped records. */
export type ImageContents = Omit<CheckpointImage, "version" | "skipped">;

/** Whether the stored checksums match, and which ones do not. */
export interface ChecksumReport {
  ok: boolean;
  problems: string[];
}

/** The result of parseImage: a structurally sound image, or why it is not one. */
export type ParseResult =
  | { ok: true; image: CheckpointImage; checksums: ChecksumReport }
  | { ok: false; reason: string };

/** The result of decodeImage: an image whose checksums all match, or why it is refused. */
export type DecodeResult = { ok: true; image: CheckpointImage } | { ok: false; reason: string };

/** Returns the name of a record kind for messages ("page", or "kind 77"). */
export function recordName(kind: number): string {
  return RECORD_NAMES[kind] ?? `kind ${kind}`;
}

// Encoding.

/** Bytes of the payload each record of the image takes. */
function payloadSizes(contents: ImageContents): number[] {
  const sizes = [PROCESS_PAYLOAD, REGISTERS_PAYLOAD, CWD_FIXED + contents.cwd.path.length];
  for (const descriptor of contents.descriptors) {
    sizes.push(DESCRIPTOR_FIXED + (descriptor.path?.length ?? 0));
  }
  for (const page of contents.pages) sizes.push(PAGE_FIXED + (page.bytes === null ? 0 : PAGE_SIZE));
  return sizes;
}

/** Bytes a record takes: header, payload and padding (plain arithmetic: payloads reach 2^32). */
function paddedRecordSize(payload: number): number {
  return RECORD_HEADER_SIZE + payload + ((4 - (payload % 4)) % 4);
}

/** Bytes of the encoded image, header included. */
function imageLength(sizes: readonly number[]): number {
  let length = HEADER_SIZE;
  for (const size of sizes) length += paddedRecordSize(size);
  return length;
}

const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

/** A numeric field's value and the range the field can hold. */
type NumberField = [subject: string, value: number, min: number, max: number];

/**
 * Returns why `contents` cannot be encoded exactly, naming the value that does not fit its field,
 * or null. The encoder stores nothing it would have to cut or wrap, so that every image it writes
 * decodes to the contents it was given. Throws a TypeError when `contents` lacks an object, array
 * or string of `ImageContents`.
 */
export function checkEncodable(contents: ImageContents): string | null {
  checkContentsShape("checkEncodable", contents);
  const { process, registers, cwd } = contents;
  const numbers: NumberField[] = [
    ["pid", process.pid, 0, U32_MAX],
    ["parent pid", process.parentPid, 0, U32_MAX],
    ["size", process.sz, 0, U32_MAX],
    ["uptime", process.uptime, 0, U32_MAX],
    ["blocked system call", process.blockedSyscall, 0, U32_MAX],
    ["remaining sleep ticks", process.sleepTicksRemaining, 0, U32_MAX],
    // Stored as u32; the kernel may hand over the same bits as a negative int32.
    ...REGISTER_ORDER.map((name): NumberField => [name, registers[name], -0x80000000, U32_MAX]),
    ["the working directory's inode number", cwd.inum, 0, U32_MAX],
  ];
  const strings: [subject: string, text: string, maxBytes: number][] = [
    ["the name", process.name, NAME_FIELD - 1],
    ["the working directory path", cwd.path, U16_MAX],
  ];
  for (const d of contents.descriptors) {
    if (KIND_CODES[d.kind] === undefined) return `fd ${d.fd} has unknown kind "${d.kind}"`;
    numbers.push(
      ["descriptor number", d.fd, 0, NOT_SHARED - 1],
      [`fd ${d.fd} shares with descriptor`, d.sharesWith ?? 0, 0, NOT_SHARED - 1],
      [`fd ${d.fd} inode number`, d.inum, 0, U32_MAX],
      [`fd ${d.fd} offset`, d.offset, 0, U32_MAX],
      [`fd ${d.fd} major`, d.major, -0x8000, 0x7fff],
      [`fd ${d.fd} minor`, d.minor, -0x8000, 0x7fff],
    );
    strings.push([`fd ${d.fd} path`, d.path ?? "", U16_MAX]);
  }
  for (const page of contents.pages) {
    if (page.bytes !== null && page.bytes.length !== PAGE_SIZE) {
      return `page 0x${page.va.toString(16)} has ${page.bytes.length} bytes, not ${PAGE_SIZE}`;
    }
    numbers.push(
      ["page address", page.va, 0, U32_MAX],
      ["page permission bits", page.flags, 0, U16_MAX],
    );
  }
  // The NUL-padded name field would end the name at its first NUL.
  if (process.name.includes("\0")) return "the name contains a NUL byte";

  for (const [subject, value, min, max] of numbers) {
    if (!Number.isInteger(value) || value < min || value > max) {
      return `${subject} ${value} does not fit its field (${min} to ${max})`;
    }
  }
  for (const [subject, text, maxBytes] of strings) {
    const problem = checkString(subject, text, maxBytes);
    if (problem !== null) return problem;
  }
  const length = imageLength(payloadSizes(contents));
  if (length > U32_MAX) return `the image would be ${length} bytes, more than its header can state`;
  return null;
}

/** Checks that a string field is latin1 (one byte per char) and at most `maxBytes` long. */
function checkString(subject: string, text: string, maxBytes: number): string | null {
  if (text.length > maxBytes) {
    return `${subject} is ${text.length} bytes, longer than the ${maxBytes} an image can store`;
  }
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) {
      return `${subject} has character U+${code.toString(16).padStart(4, "0")} at ${i}, which is not one byte`;
    }
  }
  return null;
}

/**
 * Encodes an image of the current format version. Throws a TypeError when `contents` lacks an
 * object, array or string of `ImageContents`, and a RangeError naming the value when a field
 * cannot hold it (`checkEncodable` returns that reason without throwing).
 */
export function encodeImage(contents: ImageContents): Uint8Array {
  checkContentsShape("encodeImage", contents);
  const problem = checkEncodable(contents);
  if (problem !== null) throw new RangeError(`encodeImage: ${problem}`);
  const sizes = payloadSizes(contents);
  const length = imageLength(sizes);
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);

  const writer = new RecordWriter(out, view);
  writer.add(RECORD_PROCESS, PROCESS_PAYLOAD, (at) =>
    writeProcess(out, view, at, contents.process),
  );
  writer.add(RECORD_REGISTERS, REGISTERS_PAYLOAD, (at) => {
    for (let i = 0; i < REGISTER_ORDER.length; i++) {
      view.setUint32(at + 4 * i, contents.registers[REGISTER_ORDER[i]!] >>> 0, true);
    }
  });
  writer.add(RECORD_CWD, sizes[2]!, (at) => {
    view.setUint32(at, contents.cwd.inum, true);
    writeString(out, view, at + 4, contents.cwd.path);
  });
  contents.descriptors.forEach((descriptor, i) => {
    writer.add(RECORD_DESCRIPTOR, sizes[3 + i]!, (at) =>
      writeDescriptor(out, view, at, descriptor),
    );
  });
  for (const page of contents.pages) {
    writer.add(RECORD_PAGE, PAGE_FIXED + (page.bytes === null ? 0 : PAGE_SIZE), (at) => {
      view.setUint32(at, page.va, true);
      view.setUint16(at + 4, page.flags, true);
      view.setUint16(at + 6, page.bytes === null ? PAGE_ZERO : PAGE_RAW, true);
      if (page.bytes !== null) out.set(page.bytes, at + PAGE_FIXED);
    });
  }

  out.set(IMAGE_MAGIC, 0);
  view.setUint16(8, FORMAT_MAJOR, true);
  view.setUint16(10, FORMAT_MINOR, true);
  view.setUint32(16, writer.count, true);
  view.setUint32(20, length, true);
  view.setUint32(24, crc32c(out.subarray(HEADER_SIZE)), true);
  view.setUint32(28, crc32c(out.subarray(0, 28)), true);
  return out;
}

/** Appends records after the header, each with its header and checksum. */
class RecordWriter {
  count = 0;
  private at = HEADER_SIZE;

  constructor(
    private readonly out: Uint8Array,
    private readonly view: DataView,
  ) {}

  add(kind: number, payload: number, fill: (at: number) => void): void {
    const start = this.at;
    this.view.setUint16(start, kind, true);
    this.view.setUint16(start + 2, 0, true);
    this.view.setUint32(start + 4, payload, true);
    fill(start + RECORD_HEADER_SIZE);
    const crc = crc32c(
      this.out.subarray(start + RECORD_HEADER_SIZE, start + RECORD_HEADER_SIZE + payload),
      crc32c(this.out.subarray(start, start + 8)),
    );
    this.view.setUint32(start + 8, crc, true);
    this.at += paddedRecordSize(payload);
    this.count++;
  }
}

function writeProcess(out: Uint8Array, view: DataView, at: number, process: ProcessRecord): void {
  view.setUint32(at, process.pid, true);
  view.setUint32(at + 4, process.parentPid, true);
  view.setUint32(at + 8, process.sz, true);
  view.setUint32(at + 12, process.uptime >>> 0, true);
  view.setUint32(at + 16, process.blockedSyscall, true);
  view.setUint32(at + 20, process.sleepTicksRemaining, true);
  view.setUint32(at + 24, process.savedItself ? PROCESS_SAVED_ITSELF : 0, true);
  for (let i = 0; i < process.name.length; i++) out[at + 28 + i] = process.name.charCodeAt(i);
}

function writeDescriptor(
  out: Uint8Array,
  view: DataView,
  at: number,
  descriptor: DescriptorRecord,
): void {
  out[at] = descriptor.fd;
  out[at + 1] = KIND_CODES[descriptor.kind];
  out[at + 2] = (descriptor.readable ? 1 : 0) | (descriptor.writable ? 2 : 0);
  out[at + 3] = descriptor.sharesWith ?? NOT_SHARED;
  view.setUint32(at + 4, descriptor.inum, true);
  view.setUint32(at + 8, descriptor.offset, true);
  view.setInt16(at + 12, descriptor.major, true);
  view.setInt16(at + 14, descriptor.minor, true);
  writeString(out, view, at + 16, descriptor.path ?? "");
}

/** Writes a u16 length and the latin1 bytes of `text` (checkEncodable has checked both fit). */
function writeString(out: Uint8Array, view: DataView, at: number, text: string): void {
  view.setUint16(at, text.length, true);
  for (let i = 0; i < text.length; i++) out[at + 2 + i] = text.charCodeAt(i);
}

// Decoding.

/**
 * Reads an image's structure: magic, version, header checksum, lengths, every record's layout.
 * Fails with a reason for anything it cannot read. A record or image checksum that does not match
 * is reported in `checksums` instead, so that a summary can still be shown. `decodeImage`
 * rejects such images. Throws only a TypeError when `bytes` is not a Uint8Array. Only the saving side, which has just computed the record
 * and image checksums, passes `verifyChecksums` false to read its own bytes without a CRC pass.
 */
export function parseImage(bytes: Uint8Array, verifyChecksums = true): ParseResult {
  checkBytes("parseImage", bytes);
  const header = readHeader(bytes);
  if (typeof header === "string") return { ok: false, reason: header };

  const problems: string[] = [];
  const reader = new ImageReader(bytes, header.major, header.minor, verifyChecksums);
  const reason = reader.readRecords(header.count, problems);
  if (reason !== null) return { ok: false, reason };
  if (verifyChecksums && crc32c(bytes.subarray(HEADER_SIZE)) !== header.recordsCrc) {
    problems.push("the checksum over all records does not match");
  }
  const image = reader.finish();
  if (typeof image === "string") return { ok: false, reason: image };
  return { ok: true, image, checksums: { ok: problems.length === 0, problems } };
}

/**
 * Decodes an image and refuses it unless every checksum matches. Throws only a TypeError when
 * `bytes` is not a Uint8Array.
 */
export function decodeImage(bytes: Uint8Array): DecodeResult {
  checkBytes("decodeImage", bytes);
  const parsed = parseImage(bytes);
  if (!parsed.ok) return parsed;
  if (!parsed.checksums.ok) return { ok: false, reason: parsed.checksums.problems[0]! };
  return { ok: true, image: parsed.image };
}

interface Header {
  major: number;
  minor: number;
  count: number;
  recordsCrc: number;
}

/** Checks the header and returns its fields, or the reason the bytes are not a readable image. */
function readHeader(bytes: Uint8Array): Header | string {
  if (bytes.length < 12 || IMAGE_MAGIC.some((byte, i) => bytes[i] !== byte)) {
    return "not a checkpoint image (the magic number does not match)";
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = view.getUint16(8, true);
  const minor = view.getUint16(10, true);
  if (major !== FORMAT_MAJOR) {
    return `unknown image format version ${major}.${minor}; this reader reads version ${FORMAT_MAJOR}`;
  }
  if (bytes.length < HEADER_SIZE) {
    return `truncated: ${bytes.length} bytes is shorter than the ${HEADER_SIZE}-byte header`;
  }
  if (crc32c(bytes.subarray(0, 28)) !== view.getUint32(28, true)) {
    return "the header checksum does not match";
  }

  const flags = view.getUint32(12, true);
  const count = view.getUint32(16, true);
  const length = view.getUint32(20, true);
  if (flags !== 0) return `unknown header flags 0x${flags.toString(16)}`;
  if (length > bytes.length)
    return `truncated: the header says ${length} bytes, but there are only ${bytes.length}`;
  if (length < bytes.length) return `${bytes.length - length} bytes follow the end of the image`;
  if (count > (length - HEADER_SIZE) / RECORD_HEADER_SIZE) {
    return `the header claims ${count} records, more than ${length} bytes can hold`;
  }
  return { major, minor, count, recordsCrc: view.getUint32(24, true) };
}

/** Walks the records of a version-1 image and collects the decoded parts. */
class ImageReader {
  private readonly view: DataView;
  private at = HEADER_SIZE;
  private process: ProcessRecord | null = null;
  private registers: Registers | null = null;
  private cwd: { inum: number; path: string } | null = null;
  private readonly descriptors: DescriptorRecord[] = [];
  private readonly pages: PageRecord[] = [];
  private readonly skipped: SkippedRecord[] = [];

  constructor(
    private readonly bytes: Uint8Array,
    private readonly major: number,
    private readonly minor: number,
    private readonly verifyChecksums: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Reads `count` records; returns null, or the reason the records cannot be read. */
  readRecords(count: number, problems: string[]): string | null {
    for (let index = 0; index < count; index++) {
      const reason = this.readRecord(index, problems);
      if (reason !== null) return reason;
    }
    if (this.at !== this.bytes.length) {
      return `${this.bytes.length - this.at} bytes follow the last of the ${count} records`;
    }
    return null;
  }

  private readRecord(index: number, problems: string[]): string | null {
    const start = this.at;
    if (this.bytes.length - start < RECORD_HEADER_SIZE) return `record ${index} is truncated`;
    const kind = this.view.getUint16(start, true);
    const flags = this.view.getUint16(start + 2, true);
    const payload = this.view.getUint32(start + 4, true);
    const end = start + paddedRecordSize(payload);
    if (payload > this.bytes.length || end > this.bytes.length) {
      return `record ${index} (${recordName(kind)}) claims ${payload} bytes, past the end of the image`;
    }
    if ((flags & ~RECORD_MAY_SKIP) !== 0) {
      return `record ${index} (${recordName(kind)}) has unknown flags 0x${flags.toString(16)}`;
    }
    const body = start + RECORD_HEADER_SIZE;
    for (let i = body + payload; i < end; i++) {
      if (this.bytes[i] !== 0) return `record ${index} (${recordName(kind)}) has nonzero padding`;
    }

    if (this.verifyChecksums) {
      const crc = crc32c(
        this.bytes.subarray(body, body + payload),
        crc32c(this.bytes.subarray(start, start + 8)),
      );
      if (crc !== this.view.getUint32(start + 8, true)) {
        problems.push(
          `record ${index} (${this.describeRecord(kind, body, payload)}) has a bad checksum`,
        );
      }
    }
    this.at = end;
    return this.readPayload(index, kind, flags, body, payload);
  }

  /** Names a record in a checksum message: a page by its address when it has one. */
  private describeRecord(kind: number, body: number, payload: number): string {
    if (kind !== RECORD_PAGE || payload < PAGE_FIXED) return recordName(kind);
    return `page at 0x${this.view.getUint32(body, true).toString(16)}`;
  }

  private readPayload(
    index: number,
    kind: number,
    flags: number,
    at: number,
    length: number,
  ): string | null {
    const where = `record ${index} (${recordName(kind)})`;
    switch (kind) {
      case RECORD_PROCESS:
        if (this.process !== null) return `${where} repeats the process record`;
        if (length !== PROCESS_PAYLOAD)
          return `${where} has ${length} bytes, expected ${PROCESS_PAYLOAD}`;
        this.process = this.readProcess(at);
        return null;
      case RECORD_REGISTERS:
        if (this.registers !== null) return `${where} repeats the registers record`;
        if (length !== REGISTERS_PAYLOAD)
          return `${where} has ${length} bytes, expected ${REGISTERS_PAYLOAD}`;
        this.registers = this.readRegisters(at);
        return null;
      case RECORD_CWD:
        return this.readCwd(where, at, length);
      case RECORD_DESCRIPTOR:
        return this.readDescriptor(where, at, length);
      case RECORD_PAGE:
        return this.readPage(where, at, length);
      default:
        if ((flags & RECORD_MAY_SKIP) === 0) {
          return `${where} has an unknown kind and may not be skipped (image version ${this.major}.${this.minor})`;
        }
        this.skipped.push({ kind, length });
        return null;
    }
  }

  private readProcess(at: number): ProcessRecord {
    const view = this.view;
    let name = "";
    for (let i = 0; i < NAME_FIELD && this.bytes[at + 28 + i] !== 0; i++) {
      name += String.fromCharCode(this.bytes[at + 28 + i]!);
    }
    return {
      pid: view.getUint32(at, true),
      parentPid: view.getUint32(at + 4, true),
      sz: view.getUint32(at + 8, true),
      uptime: view.getUint32(at + 12, true),
      blockedSyscall: view.getUint32(at + 16, true),
      sleepTicksRemaining: view.getUint32(at + 20, true),
      savedItself: (view.getUint32(at + 24, true) & PROCESS_SAVED_ITSELF) !== 0,
      name,
    };
  }

  private readRegisters(at: number): Registers {
    const registers = {} as Registers;
    REGISTER_ORDER.forEach((name, i) => {
      registers[name] = this.view.getUint32(at + 4 * i, true);
    });
    return registers;
  }

  private readCwd(where: string, at: number, length: number): string | null {
    if (this.cwd !== null) return `${where} repeats the working directory record`;
    const path = this.readString(at + 4, at + length);
    if (path === null || CWD_FIXED + path.length !== length) return `${where} has a malformed path`;
    this.cwd = { inum: this.view.getUint32(at, true), path };
    return null;
  }

  private readDescriptor(where: string, at: number, length: number): string | null {
    if (length < DESCRIPTOR_FIXED)
      return `${where} has ${length} bytes, fewer than ${DESCRIPTOR_FIXED}`;
    const bytes = this.bytes;
    const kind = KINDS_BY_CODE[bytes[at + 1]!];
    if (kind === undefined) return `${where} has unknown descriptor kind ${bytes[at + 1]}`;
    const mode = bytes[at + 2]!;
    if ((mode & ~3) !== 0) return `${where} has unknown mode bits 0x${mode.toString(16)}`;
    const path = this.readString(at + 16, at + length);
    if (path === null || DESCRIPTOR_FIXED + path.length !== length)
      return `${where} has a malformed path`;

    const shared = bytes[at + 3]!;
    this.descriptors.push({
      fd: bytes[at]!,
      kind,
      readable: (mode & 1) !== 0,
      writable: (mode & 2) !== 0,
      sharesWith: shared === NOT_SHARED ? null : shared,
      inum: this.view.getUint32(at + 4, true),
      offset: this.view.getUint32(at + 8, true),
      major: this.view.getInt16(at + 12, true),
      minor: this.view.getInt16(at + 14, true),
      path: kind === "pipe-read" || kind === "pipe-write" ? (path === "" ? null : path) : path,
    });
    return null;
  }

  private readPage(where: string, at: number, length: number): string | null {
    if (length < PAGE_FIXED) return `${where} has ${length} bytes, fewer than ${PAGE_FIXED}`;
    const encoding = this.view.getUint16(at + 6, true);
    const expected = encoding === PAGE_RAW ? PAGE_FIXED + PAGE_SIZE : PAGE_FIXED;
    if (encoding !== PAGE_RAW && encoding !== PAGE_ZERO)
      return `${where} has unknown page encoding ${encoding}`;
    if (length !== expected) return `${where} has ${length} bytes, expected ${expected}`;
    this.pages.push({
      va: this.view.getUint32(at, true),
      flags: this.view.getUint16(at + 4, true),
      bytes:
        encoding === PAGE_RAW
          ? this.bytes.subarray(at + PAGE_FIXED, at + PAGE_FIXED + PAGE_SIZE)
          : null,
    });
    return null;
  }

  /** Reads a u16-prefixed latin1 string that must end by `end`; null if it does not fit. */
  private readString(at: number, end: number): string | null {
    if (at + 2 > end) return null;
    const length = this.view.getUint16(at, true);
    if (at + 2 + length > end) return null;
    let text = "";
    for (let i = 0; i < length; i++) text += String.fromCharCode(this.bytes[at + 2 + i]!);
    return text;
  }

  /** Returns the image, or the reason a required record is missing. */
  finish(): CheckpointImage | string {
    if (this.process === null) return "the image has no process record";
    if (this.registers === null) return "the image has no registers record";
    if (this.cwd === null) return "the image has no working directory record";
    return {
      version: { major: this.major, minor: this.minor },
      process: this.process,
      registers: this.registers,
      cwd: this.cwd,
      descriptors: this.descriptors,
      pages: this.pages,
      skipped: this.skipped,
    };
  }
}
