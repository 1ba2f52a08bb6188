import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { INCLUDE_DIR, LIB_DIR, programNames } from "../src/index";
import { archiveSymbols, readArchive } from "./archive";

const PACKAGE_DIR = fileURLToPath(new URL("../", import.meta.url));
const PROGRAMS_DIR = `${PACKAGE_DIR}programs/`;
// Folders under programs/ that hold code shared by programs rather than a program.
const SHARED_SOURCE_FOLDERS = ["testing"];

// The value of a `NAME := ...` assignment in the Makefile, continuation lines included.
function makefileList(name: string): string[] {
  const makefile = readFileSync(`${PACKAGE_DIR}Makefile`, "utf8").replace(/\\\n/g, " ");
  const line = makefile.split("\n").find((text) => text.startsWith(`${name} :=`));
  if (line === undefined) throw new Error(`the Makefile has no "${name} :=" line`);
  return line.slice(`${name} :=`.length).trim().split(/\s+/);
}

describe("the build's program list", () => {
  const simple = makefileList("SIMPLE_PROGRAMS");
  const compound = makefileList("COMPOUND_PROGRAMS");

  it("equals the programs in bin", () => {
    expect([...simple, ...compound].sort()).toEqual(programNames());
  });

  it("names a source for every program", () => {
    for (const name of simple) expect(existsSync(`${PROGRAMS_DIR}${name}.c`)).toBe(true);
    for (const name of compound) {
      expect(readdirSync(`${PROGRAMS_DIR}${name}`).some((file) => file.endsWith(".c"))).toBe(true);
    }
  });

  it("covers every source under programs", () => {
    const known = new Set([...simple, ...compound, ...SHARED_SOURCE_FOLDERS]);
    const found = readdirSync(PROGRAMS_DIR).map((entry) => entry.replace(/\.c$/, ""));

    expect(found.filter((name) => !known.has(name))).toEqual([]);
  });
});

describe("lib/libxv6.a", () => {
  const members = readArchive(new Uint8Array(readFileSync(`${LIB_DIR}libxv6.a`)));
  const objects = members.filter((member) => member.name !== "/" && member.name !== "//");

  it("contains the library objects", () => {
    expect(objects.map((member) => member.name)).toEqual([
      "string.o/",
      "printf.o/",
      "malloc.o/",
      "ulib.o/",
      "number.o/",
      "syscalls.o/",
    ]);
  });

  it("has deterministic member headers", () => {
    for (const member of members.filter((m) => m.name !== "/")) {
      expect(member.mtime).toBe(0);
      expect(member.uid).toBe(0);
      expect(member.gid).toBe(0);
      expect(member.mode).toBe(0o644);
    }
  });

  it("defines the xv6 user API", () => {
    const symbols = archiveSymbols(members);
    const api = [
      "fork",
      "exit",
      "wait",
      "pipe",
      "read",
      "kill",
      "exec",
      "fstat",
      "chdir",
      "dup",
      "getpid",
      "sbrk",
      "sleep",
      "uptime",
      "open",
      "write",
      "mknod",
      "unlink",
      "link",
      "mkdir",
      "close",
      "checkpoint",
      "restart",
      "ckptinfo",
      "stat",
      "strcpy",
      "memmove",
      "strchr",
      "strcmp",
      "gets",
      "strlen",
      "memset",
      "malloc",
      "free",
      "atoi",
      "printf",
      "memcmp",
      "memcpy",
      "strncmp",
      "vprintf",
      "snprintf",
      "vsnprintf",
      "is_number",
    ];

    expect(symbols.filter((name) => !api.includes(name))).toEqual([]);
    expect(api.filter((name) => !symbols.includes(name))).toEqual([]);
  });

  it("enters the kernel with int $64 and the call number in eax", () => {
    const stubs = objects.find((member) => member.name === "syscalls.o/")!.data;
    const hex = Buffer.from(stubs).toString("hex");

    // movl $n, %eax (b8 n 00 00 00); int $64 (cd 40); ret (c3)
    for (let number = 1; number <= 24; number++) {
      const stub = `b8${number.toString(16).padStart(2, "0")}000000cd40c3`;
      expect(hex).toContain(stub);
    }
  });
});

describe("the package", () => {
  it("ships the headers programs include", () => {
    for (const header of ["types.h", "stat.h", "fcntl.h", "user.h", "fs.h", "param.h", "xv6ts.h"]) {
      expect(statSync(`${INCLUDE_DIR}${header}`).isFile()).toBe(true);
    }
  });

  it("publishes bin, lib and include", () => {
    const manifest = JSON.parse(readFileSync(`${PACKAGE_DIR}package.json`, "utf8"));

    expect(manifest.files).toEqual(expect.arrayContaining(["bin", "lib", "include"]));
  });
});
