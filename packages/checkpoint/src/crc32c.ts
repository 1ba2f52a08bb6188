/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), the checksum of every checkpoint record
 * and of the whole image. Check value: crc32c("123456789") = 0xe3069283.
 *
 * Images reach hundreds of MiB, and every byte is checksummed twice (its record and the whole
 * image), so the loop reads eight bytes per step with eight lookup tables ("slicing by 8"):
 * table k maps a byte to the CRC of that byte followed by k zero bytes. Bytes before the first
 * 8-byte step and after the last one go through table 0 one at a time.
 */
import { checkBytes, describeValue } from "./arguments.js";

/** Eight tables of 256 entries, table k at [k * 256, k * 256 + 256). */
const TABLES = buildTables();

function buildTables(): Uint32Array {
  const tables = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    tables[n] = c >>> 0;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const previous = tables[(k - 1) * 256 + n]!;
      tables[k * 256 + n] = ((previous >>> 8) ^ tables[previous & 0xff]!) >>> 0;
    }
  }
  return tables;
}

/**
 * Computes the CRC-32C of `bytes`. Passing the CRC of earlier bytes as `previous` continues it, so
 * crc32c(b, crc32c(a)) equals the CRC of a followed by b. Throws a TypeError when `bytes` is not
 * a Uint8Array and a RangeError when `previous` is not a 32-bit unsigned integer.
 */
export function crc32c(bytes: Uint8Array, previous = 0): number {
  checkBytes("crc32c", bytes);
  if (!Number.isInteger(previous) || previous < 0 || previous > 0xffffffff) {
    throw new RangeError(
      `crc32c: previous ${describeValue(previous)} is not an integer from 0 to 0xffffffff`,
    );
  }
  const t = TABLES;
  let crc = ~previous >>> 0;
  let i = 0;
  const end = bytes.length;
  const blockEnd = end - (end % 8);

  for (; i < blockEnd; i += 8) {
    const low =
      (crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>>
      0;
    crc =
      t[1792 + (low & 0xff)]! ^
      t[1536 + ((low >>> 8) & 0xff)]! ^
      t[1280 + ((low >>> 16) & 0xff)]! ^
      t[1024 + (low >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^
      t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!;
  }
  for (; i < end; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
