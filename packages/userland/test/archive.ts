/**
 * A reader for GNU ar archives (lib/libxv6.a), for the build tests.
 *
 * The archive is the 8 bytes "!<arch>\n" followed by members. Each member is a
 * 60-byte header of ASCII fields, then its data padded to an even length:
 *
 *   0  name[16]   "string.o/", or "/" for the symbol table
 *  16  mtime[12]  28  uid[6]  34  gid[6]  40  mode[8] (octal)  48  size[10]
 *  58  "`\n"
 *
 * The symbol table's data is a big-endian u32 count, count u32 member offsets, then
 * count NUL-terminated symbol names.
 */

const MAGIC = "!<arch>\n";
const HEADER_SIZE = 60;

export interface ArchiveMember {
  name: string;
  mtime: number;
  uid: number;
  gid: number;
  mode: number;
  data: Uint8Array;
}

/** Decodes every member; throws with the reason for input that is not an ar archive. */
export function readArchive(bytes: Uint8Array): ArchiveMember[] {
  const text = (from: number, length: number) =>
    new TextDecoder("latin1").decode(bytes.subarray(from, from + length)).trimEnd();

  if (text(0, MAGIC.length) !== MAGIC.trimEnd()) {
    throw new Error('readArchive: the archive does not start with "!<arch>"');
  }

  const members: ArchiveMember[] = [];
  let at = MAGIC.length;
  while (at < bytes.length) {
    if (text(at + 58, 2) !== "`") {
      throw new Error(`readArchive: the member header at ${at} does not end with "\`\\n"`);
    }
    const size = Number(text(at + 48, 10));
    members.push({
      name: text(at, 16),
      mtime: Number(text(at + 16, 12)),
      uid: Number(text(at + 28, 6)),
      gid: Number(text(at + 34, 6)),
      mode: Number.parseInt(text(at + 40, 8), 8),
      data: bytes.subarray(at + HEADER_SIZE, at + HEADER_SIZE + size),
    });
    at += HEADER_SIZE + size + (size % 2);
  }
  return members;
}

/** Lists the symbol names of the archive's symbol table member "/". */
export function archiveSymbols(members: ArchiveMember[]): string[] {
  const table = members.find((member) => member.name === "/");
  if (table === undefined) throw new Error("archiveSymbols: the archive has no symbol table");

  const view = new DataView(table.data.buffer, table.data.byteOffset, table.data.byteLength);
  const count = view.getUint32(0, false);
  const names = new TextDecoder("latin1").decode(table.data.subarray(4 + 4 * count));
  return names.split("\0").slice(0, count);
}
