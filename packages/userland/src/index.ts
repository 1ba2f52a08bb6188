/**
 * @xv6ts/userland: the user programs of xv6ts as built i386 ELF files.
 *
 * The C sources, the Makefile that builds them and the built files live in this
 * package; nothing here runs a compiler. `bin/` contains one ELF file per program
 * (names without extension) and `bin/TOOLCHAIN`, the gcc and binutils versions that
 * built them. `lib/libxv6.a` and `include/` let users build programs of their own.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The folder of the built programs; the same path from src/ and from dist/. */
export const BIN_DIR = fileURLToPath(new URL("../bin/", import.meta.url));

/** The folder of the C library archive, libxv6.a. */
export const LIB_DIR = fileURLToPath(new URL("../lib/", import.meta.url));

/** The folder of the C headers (user.h, types.h, stat.h, fcntl.h, fs.h and more). */
export const INCLUDE_DIR = fileURLToPath(new URL("../include/", import.meta.url));

/** Files in bin/ that describe the build rather than being programs. */
const METADATA_FILES = new Set(["TOOLCHAIN"]);

/** The tool versions that built the files in bin/ and lib/, each tool's first --version line. */
export interface Toolchain {
  gcc: string;
  binutils: string;
}

/** Lists the names of the built programs, sorted. */
export function programNames(): string[] {
  if (!existsSync(BIN_DIR)) return [];
  return readdirSync(BIN_DIR, { withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.includes("."))
    .map((entry) => entry.name)
    .filter((name) => !METADATA_FILES.has(name))
    .sort();
}

/** Returns the ELF bytes of one built program; throws if there is no such program. */
export function programBytes(name: string): Uint8Array {
  if (!programNames().includes(name)) {
    throw new Error(
      `programBytes: no user program named "${name}" in ${BIN_DIR}; programNames() lists them`,
    );
  }
  return new Uint8Array(readFileSync(BIN_DIR + name));
}

/**
 * Reads bin/TOOLCHAIN, which has the lines "gcc: <version>" and "binutils: <version>".
 * Throws if the file is missing or lacks either line.
 */
export function toolchain(): Toolchain {
  const path = `${BIN_DIR}TOOLCHAIN`;
  const fields = new Map<string, string>();

  for (const line of readFileSync(path, "utf8").split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const gcc = fields.get("gcc");
  const binutils = fields.get("binutils");
  if (gcc === undefined || binutils === undefined) {
    throw new Error(`toolchain: ${path} must have a "gcc:" and a "binutils:" line`);
  }
  return { gcc, binutils };
}
