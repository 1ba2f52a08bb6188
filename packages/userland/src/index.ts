/**
 * @xv6ts/userland: the user programs of xv6ts as built i386 ELF files.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The folder holding the built programs; the same from src/ and from dist/. */
export const BIN_DIR = fileURLToPath(new URL("../bin/", import.meta.url));

/** Lists the names of the built programs, sorted. */
export function programNames(): string[] {
  if (!existsSync(BIN_DIR)) return [];
  return readdirSync(BIN_DIR)
    .filter((name) => !name.includes("."))
    .sort();
}

/** Returns the ELF bytes of one built program, or throws if there is no such program. */
export function programBytes(name: string): Uint8Array {
  if (!programNames().includes(name)) {
    throw new Error(`no user program named "${name}" in ${BIN_DIR}`);
  }
  return new Uint8Array(readFileSync(BIN_DIR + name));
}
