/**
 * The disk image tools, run in-process through runCli on image files in a temporary folder:
 * what each prints, what it changes, and that bad input changes nothing.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { programNames } from "@xv6ts/userland";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { runCli, VERSION } from "../src/index";
import { fileHash, memoryIo, temporaryFolder } from "./helpers";

let folder: ReturnType<typeof temporaryFolder>;
let env: Record<string, string>;

beforeEach(() => {
  folder = temporaryFolder();
  env = { XV6TS_HOME: join(folder.path, "home") };
});

afterEach(() => folder.remove());

/** Runs xv6ts in-process; returns the exit code and what it printed. */
async function xv6ts(...args: string[]) {
  const memory = memoryIo(env);
  const code = await runCli(args, memory.io);
  return { code, stdout: memory.stdout(), stderr: memory.stderr(), bytes: memory.stdoutBytes() };
}

/** Makes a small bootable image and returns its path. */
async function smallImage(name = "disk.img", ...options: string[]): Promise<string> {
  const path = join(folder.path, name);
  const made = await xv6ts("mkfs", path, "--size", "4M", ...options);
  expect(made.code).toBe(0);
  return path;
}

function listedNames(stdout: string): string[] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => line.split(/\s+/).pop()!);
}

describe("xv6ts mkfs", () => {
  test("makes a bootable image with every userland program", async () => {
    const path = join(folder.path, "disk.img");
    const made = await xv6ts("mkfs", path);
    expect(made.code).toBe(0);
    expect(made.stdout).toBe(
      `made ${path}: extended geometry, 64 MiB (16384 blocks of 4096 bytes), ${programNames().length} userland programs\n`,
    );
    const listing = await xv6ts("ls", path);
    expect(listedNames(listing.stdout)).toEqual([".", "..", ...programNames()]);
    expect((await xv6ts("fsck", path)).code).toBe(0);
  });

  test("makes an xv6 geometry image when asked", async () => {
    const path = await smallImage("xv6.img", "--geometry", "xv6");
    const report = JSON.parse((await xv6ts("fsck", "--json", path)).stdout);
    expect(report.geometry).toBe("xv6");
    expect(report.layout.blockSize).toBe(512);
    expect(report.layout.size).toBe(8192);
    expect(report.clean).toBe(true);
  });

  test("makes a bare file system with --empty", async () => {
    const path = await smallImage("empty.img", "--empty");
    expect(listedNames((await xv6ts("ls", path)).stdout)).toEqual([".", ".."]);
  });

  test("rejects an existing file without --force and leaves it", async () => {
    const path = await smallImage();
    const before = fileHash(path);
    const result = await xv6ts("mkfs", path, "--size", "8M");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `xv6ts: ${path} already exists; add --force to replace it with a new image (its contents are lost)\n`,
    );
    expect(fileHash(path)).toBe(before);
  });

  test("replaces an existing image with --force", async () => {
    const path = await smallImage();
    expect((await xv6ts("mkfs", path, "--size", "8M", "--force")).code).toBe(0);
    expect(readFileSync(path).length).toBe(8 * 1024 * 1024);
  });

  test("replaces the target of a symbolic link, keeping the link", async () => {
    const target = await smallImage("real.img");
    const link = join(folder.path, "link.img");
    symlinkSync("real.img", link);
    const result = await xv6ts("mkfs", link, "--size", "8M", "--force");
    expect(result.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe("real.img");
    expect(statSync(target).size).toBe(8 * 1024 * 1024);
    expect(readdirSync(folder.path).sort()).toEqual(["link.img", "real.img"]);
  });

  test("makes the missing target of a symbolic link", async () => {
    const link = join(folder.path, "link.img");
    symlinkSync("new.img", link);
    expect((await xv6ts("mkfs", link, "--size", "4M")).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(statSync(join(folder.path, "new.img")).size).toBe(4 * 1024 * 1024);
  });

  test("names the smallest size that works when the size is too small", async () => {
    const path = join(folder.path, "tiny.img");
    const result = await xv6ts("mkfs", path, "--size", "100K");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "xv6ts: the disk size 100 KiB is too small for the extended geometry with the userland programs; use --size 1260K or more\n",
    );
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  test.each([
    ["xv6", "192K", "201K"],
    ["extended", "1200K", "1260K"],
  ])("suggests the true smallest %s size", async (geometry, tooSmall, smallest) => {
    const path = join(folder.path, "small.img");
    const result = await xv6ts("mkfs", path, "--geometry", geometry, "--size", tooSmall);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`; use --size ${smallest} or more\n$`));
    expect(existsSync(path)).toBe(false);

    const made = await xv6ts("mkfs", path, "--geometry", geometry, "--size", smallest);
    expect(made.code).toBe(0);
    expect((await xv6ts("fsck", path)).code).toBe(0);
  });

  test("accepts the largest size it names", async () => {
    const path = join(folder.path, "large.img");
    const result = await xv6ts("mkfs", path, "--empty", "--size", "32G");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "xv6ts: the disk size 32 GiB is too large for the extended geometry; use --size 32128M or less\n",
    );
    expect(existsSync(path)).toBe(false);

    // The file is sparse: mkfs writes only the metadata blocks of the 31 GiB image.
    const made = await xv6ts("mkfs", path, "--empty", "--size", "32128M");
    expect(made.code).toBe(0);
    expect(made.stdout).toBe(
      `made ${path}: extended geometry, 32128 MiB (8224768 blocks of 4096 bytes), an empty file system\n`,
    );
  });

  test("names the size range in its help", async () => {
    const result = await xv6ts("mkfs", "--help");
    expect(result.stdout).toContain(
      "the xv6 geometry takes 201K to 8G, the extended geometry 1260K to 32128M",
    );
  });

  test("rejects a size that is not whole blocks", async () => {
    const result = await xv6ts("mkfs", join(folder.path, "odd.img"), "--size", "1000");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "xv6ts: invalid disk size 1000 bytes for the extended geometry; use a multiple of its 4096-byte blocks, like 64M\n",
    );
  });

  test("rejects an unknown geometry as an option value", async () => {
    const result = await xv6ts("mkfs", join(folder.path, "g.img"), "--geometry", "ext4");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'xv6ts: invalid geometry "ext4" for --geometry; use "xv6" or "extended"\n',
    );
  });

  test("leaves no old image changed when the folder does not exist", async () => {
    const result = await xv6ts("mkfs", join(folder.path, "missing", "d.img"));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the folder .*missing does not exist/);
  });
});

describe("xv6ts cp, cat, ls", () => {
  test("copies a host file in and reads it back", async () => {
    const path = await smallImage();
    const host = join(folder.path, "notes.txt");
    writeFileSync(host, "hello from the host\n");
    expect((await xv6ts("cp", host, `${path}:/notes`)).code).toBe(0);
    const cat = await xv6ts("cat", `${path}:/notes`);
    expect(cat.stdout).toBe("hello from the host\n");
  });

  test("puts the file under its own name when the target is a directory", async () => {
    const path = await smallImage();
    const host = join(folder.path, "notes.txt");
    writeFileSync(host, "x");
    await xv6ts("mkdir", `${path}:/docs`);
    expect((await xv6ts("cp", host, `${path}:/docs`)).code).toBe(0);
    const listing = await xv6ts("ls", `${path}:/docs`);
    expect(listedNames(listing.stdout)).toEqual([".", "..", "notes.txt"]);
    expect((await xv6ts("cp", host, `${path}:`)).code).toBe(0);
    expect((await xv6ts("cat", `${path}:/notes.txt`)).stdout).toBe("x");
  });

  test("copies a file of several megabytes both ways unchanged", async () => {
    const path = await smallImage("big.img");
    await xv6ts("mkfs", path, "--size", "16M", "--force");
    const data = randomBytes(3 * 1024 * 1024 + 123);
    const host = join(folder.path, "random.bin");
    writeFileSync(host, data);
    expect((await xv6ts("cp", host, `${path}:/random`)).code).toBe(0);
    const out = join(folder.path, "back.bin");
    expect((await xv6ts("cp", `${path}:/random`, out)).code).toBe(0);
    expect(readFileSync(out).equals(data)).toBe(true);
    expect((await xv6ts("fsck", path)).code).toBe(0);
  });

  test("stops a copy at a transaction boundary on SIGINT", async () => {
    const path = await smallImage("stop.img");
    await xv6ts("mkfs", path, "--size", "16M", "--force");
    const host = join(folder.path, "large.bin");
    writeFileSync(host, randomBytes(8 * 1024 * 1024));
    // The handler runs a few event-loop turns into the copy, between two of its transactions.
    const signalLater = (turns: number): void => {
      setImmediate(() => (turns > 0 ? signalLater(turns - 1) : process.emit("SIGINT")));
    };
    signalLater(3);
    const result = await xv6ts("cp", host, `${path}:/large`);
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(
      new RegExp(
        `^xv6ts: the copy was stopped by SIGINT; "/large" on ${path} contains the first \\d+ of 8388608 bytes, so copy it again to complete it\n$`,
      ),
    );
    expect(existsSync(`${path}.lock`)).toBe(false);
    expect((await xv6ts("fsck", path)).code).toBe(0);
  });

  test("copies out into a host folder under the image file's name", async () => {
    const path = await smallImage();
    expect((await xv6ts("cp", `${path}:/echo`, folder.path)).code).toBe(0);
    expect(readFileSync(join(folder.path, "echo")).subarray(0, 4)).toEqual(
      Buffer.from([0x7f, 0x45, 0x4c, 0x46]),
    );
  });

  test("copies between two images", async () => {
    const first = await smallImage("a.img");
    const second = await smallImage("b.img", "--empty");
    expect((await xv6ts("cp", `${first}:/cat`, `${second}:/cat`)).code).toBe(0);
    const a = await xv6ts("cat", `${first}:/cat`);
    const b = await xv6ts("cat", `${second}:/cat`);
    expect(b.bytes.equals(a.bytes)).toBe(true);
  });

  test("rejects a copy with no image path", async () => {
    const result = await xv6ts("cp", "a.txt", "b.txt");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'xv6ts: neither "a.txt" nor "b.txt" is a path inside a disk image; write one of them as DISK:/PATH\n',
    );
  });

  test("rejects a copy into a missing directory and changes nothing", async () => {
    const path = await smallImage();
    const host = join(folder.path, "notes.txt");
    writeFileSync(host, "x");
    const before = fileHash(path);
    const result = await xv6ts("cp", host, `${path}:/no/notes`);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `xv6ts: cannot write "/no/notes": "/no" does not exist on ${path}\n`,
    );
    expect(fileHash(path)).toBe(before);
  });

  test("copies into an existing directory named with a trailing /", async () => {
    const path = await smallImage();
    const host = join(folder.path, "notes.txt");
    writeFileSync(host, "x");
    await xv6ts("mkdir", `${path}:/docs`);
    expect((await xv6ts("cp", host, `${path}:/docs/`)).code).toBe(0);
    expect((await xv6ts("cat", `${path}:/docs/notes.txt`)).stdout).toBe("x");
  });

  test("rejects a trailing / on a path that is not a directory", async () => {
    const path = await smallImage();
    const host = join(folder.path, "notes.txt");
    writeFileSync(host, "x");
    const before = fileHash(path);

    const missing = await xv6ts("cp", host, `${path}:/nodir/`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `xv6ts: cannot copy to "/nodir/" on ${path}: it is not a directory, and a destination ending in "/" must be one; make it with "xv6ts mkdir ${path}:/nodir" or drop the "/"\n`,
    );
    const file = await xv6ts("cp", host, `${path}:/echo/`);
    expect(file.code).toBe(1);
    expect(file.stderr).toBe(
      `xv6ts: cannot copy to "/echo/" on ${path}: it is not a directory, and a destination ending in "/" must be one; make it with "xv6ts mkdir ${path}:/echo" or drop the "/"\n`,
    );
    const between = await xv6ts("cp", `${path}:/cat`, `${path}:/echo/`);
    expect(between.code).toBe(1);
    expect(fileHash(path)).toBe(before);
  });

  test("rejects a trailing / on a host path that is not a folder", async () => {
    const path = await smallImage();
    const target = join(folder.path, "nofolder/");
    const result = await xv6ts("cp", `${path}:/echo`, target);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `xv6ts: cannot copy to ${target}: it is not a folder, and a destination ending in "/" must be one; make it first or drop the "/"\n`,
    );
    expect(existsSync(join(folder.path, "nofolder"))).toBe(false);
  });

  test("rejects a file larger than the geometry holds before writing", async () => {
    const path = await smallImage("xv6.img", "--geometry", "xv6");
    const largest = join(folder.path, "largest.bin");
    writeFileSync(largest, randomBytes(71680));
    expect((await xv6ts("cp", largest, `${path}:/largest`)).code).toBe(0);
    const before = fileHash(path);

    const larger = join(folder.path, "larger.bin");
    writeFileSync(larger, randomBytes(71681));
    const result = await xv6ts("cp", larger, `${path}:/larger`);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `xv6ts: cannot copy 71681 bytes to "/larger" on ${path}: the largest file the xv6 geometry holds is 71680 bytes; copy it to an image of the extended geometry, which holds files of almost 4 GiB\n`,
    );
    expect(fileHash(path)).toBe(before);
  });

  test("rejects a name longer than 14 bytes", async () => {
    const path = await smallImage();
    const host = join(folder.path, "n");
    writeFileSync(host, "x");
    const result = await xv6ts("cp", host, `${path}:/a-very-long-file-name`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("is longer than 14 bytes");
  });

  test("describes one file when ls names a file", async () => {
    const path = await smallImage();
    const result = await xv6ts("ls", `${path}:/cat`);
    expect(result.stdout).toMatch(/^file\s+\d+\s+1\s+\d+ {2}cat\n$/);
  });

  test("reports a missing file in the image without changing the disk", async () => {
    const path = await smallImage();
    const before = fileHash(path);
    const result = await xv6ts("cat", `${path}:/nope`);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`xv6ts: cannot read "/nope": "/nope" does not exist on ${path}\n`);
    expect(fileHash(path)).toBe(before);
  });

  test("asks for DISK:/PATH when cat gets a bare file", async () => {
    const result = await xv6ts("cat", "disk.img");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'xv6ts: the file "disk.img" is not a path inside a disk image; write it as DISK:/PATH, like disk.img:/README\n',
    );
  });
});

describe("xv6ts rm and mkdir", () => {
  test("makes nested directories with -p and removes them with -r", async () => {
    const path = await smallImage();
    const plain = await xv6ts("mkdir", `${path}:/a/b`);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe(`xv6ts: cannot make "/a/b": "/a" does not exist on ${path}\n`);
    expect((await xv6ts("mkdir", "-p", `${path}:/a/b`)).code).toBe(0);
    expect((await xv6ts("mkdir", "-p", `${path}:/a/b`)).code).toBe(0);
    const again = await xv6ts("mkdir", `${path}:/a`);
    expect(again.stderr).toBe(`xv6ts: cannot make "/a": "/a" exists on ${path}\n`);

    const notEmpty = await xv6ts("rm", `${path}:/a`);
    expect(notEmpty.code).toBe(1);
    expect(notEmpty.stderr).toBe(
      `xv6ts: cannot remove "/a": the directory is not empty on ${path}\n`,
    );
    expect((await xv6ts("rm", "-r", `${path}:/a`)).code).toBe(0);
    expect(listedNames((await xv6ts("ls", path)).stdout)).not.toContain("a");
    expect((await xv6ts("fsck", path)).code).toBe(0);
  });

  test("removes a file", async () => {
    const path = await smallImage();
    expect((await xv6ts("rm", `${path}:/echo`)).code).toBe(0);
    expect(listedNames((await xv6ts("ls", path)).stdout)).not.toContain("echo");
  });

  test("refuses to remove the root", async () => {
    const path = await smallImage();
    const before = fileHash(path);
    const result = await xv6ts("rm", "-r", `${path}:/`);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`xv6ts: cannot remove the root directory of ${path}\n`);
    expect(fileHash(path)).toBe(before);
  });

  test.each(["/.", "/./", "/d/..", "/d/../", "/d/./..", "//d/e/../.."])(
    "refuses %s, which names the root, before removing anything",
    async (inside) => {
      const path = await smallImage();
      expect((await xv6ts("mkdir", "-p", `${path}:/d/e`)).code).toBe(0);
      const before = fileHash(path);
      const result = await xv6ts("rm", "-r", `${path}:${inside}`);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `xv6ts: cannot remove "${inside}": it names the root directory of ${path}, which rm never removes\n`,
      );
      expect(fileHash(path)).toBe(before);
    },
  );

  test.each([
    ["/d/.", "/d"],
    ["/d/e/..", "/d"],
    ["/d/e/./", "/d/e"],
  ])("refuses %s, whose last element is . or ..", async (inside, named) => {
    const path = await smallImage();
    expect((await xv6ts("mkdir", "-p", `${path}:/d/e`)).code).toBe(0);
    const before = fileHash(path);
    const result = await xv6ts("rm", "-r", `${path}:${inside}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `xv6ts: cannot remove "${inside}" on ${path}: a path ending in "." or ".." is rejected; write the directory's own path, like ${path}:${named}\n`,
    );
    expect(fileHash(path)).toBe(before);
  });

  test("checks every path before removing any", async () => {
    const path = await smallImage();
    const before = fileHash(path);
    const result = await xv6ts("rm", `${path}:/echo`, `${path}:/.`);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `xv6ts: cannot remove "/.": it names the root directory of ${path}, which rm never removes\n`,
    );
    expect(fileHash(path)).toBe(before);
  });
});

describe("xv6ts fsck", () => {
  test("prints a clean summary", async () => {
    const path = await smallImage();
    const { counts, layout } = JSON.parse((await xv6ts("fsck", "--json", path)).stdout);
    const result = await xv6ts("fsck", path);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `${path}: clean, extended geometry, 4 MiB; ${programNames().length} files, 1 directory, 0 devices; ${counts.freeBlocks} of ${layout.nblocks} data blocks free\n`,
    );
  });

  test("lists problems and exits 1 on a damaged bitmap, without changing the file", async () => {
    const path = await smallImage();
    const { layout } = JSON.parse((await xv6ts("fsck", "--json", path)).stdout);
    const fd = openSync(path, "r+");
    writeSync(
      fd,
      Buffer.alloc(layout.blockSize, 0xff),
      0,
      layout.blockSize,
      layout.bmapstart * layout.blockSize,
    );
    closeSync(fd);
    const before = fileHash(path);
    const result = await xv6ts("fsck", path);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^problem: /m);
    expect(result.stderr).toMatch(
      new RegExp(`^xv6ts: fsck found \\d+ problems? in ${path}; restore it from a copy`),
    );
    expect(fileHash(path)).toBe(before);
  });
});

describe("xv6ts fsck of a file that is not an image", () => {
  test("says it is not an xv6ts image", async () => {
    const path = join(folder.path, "random.img");
    writeFileSync(path, randomBytes(1024 * 1024));
    const before = fileHash(path);
    const result = await xv6ts("fsck", path);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^problem: .+\n$/);
    expect(result.stderr).toMatch(
      new RegExp(
        `^xv6ts: ${path} is not a valid xv6ts disk image \\(.+\\); check the file name, or make a new image with "xv6ts mkfs FILE"\n$`,
      ),
    );
    expect(fileHash(path)).toBe(before);
  });
});

describe("bad input", () => {
  test("a missing disk file names the mkfs command", async () => {
    const path = join(folder.path, "nope.img");
    const result = await xv6ts("ls", path);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `xv6ts: the disk image ${path} does not exist; make one with "xv6ts mkfs ${path}" first\n`,
    );
  });

  test("a file that is not an image is refused unchanged", async () => {
    const path = join(folder.path, "text.img");
    writeFileSync(path, "x".repeat(8192));
    const before = fileHash(path);
    const result = await xv6ts("ls", path);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^xv6ts: ${path} is not a valid xv6ts disk image \\(.+\\); check the file name, or make a new image with "xv6ts mkfs FILE"\\n$`,
      ),
    );
    expect(fileHash(path)).toBe(before);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  test("a directory is not a disk image", async () => {
    const result = await xv6ts("fsck", folder.path);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `xv6ts: ${folder.path} is a folder, not a disk image file; name an image file in it, or make one with "xv6ts mkfs FILE"\n`,
    );
  });

  test("run --disk of a folder says what to give instead", async () => {
    const result = await xv6ts("run", "--disk", folder.path, "--exec", "ls");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `xv6ts: ${folder.path} is a folder, not a disk image file; name an image file in it, or make one with "xv6ts mkfs FILE"\n`,
    );
  });

  test("a device is not a disk image", async () => {
    const result = await xv6ts("ls", "/dev/null");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'xv6ts: /dev/null is not a regular file but a device, FIFO or socket; name a disk image file, or make one with "xv6ts mkfs FILE"\n',
    );
  });

  test("a disk in use is refused for every tool", async () => {
    const path = await smallImage();
    writeFileSync(`${path}.lock`, `${process.ppid} xv6ts run\n`);
    const before = fileHash(path);
    for (const args of [
      ["ls", path],
      ["fsck", path],
      ["rm", `${path}:/cat`],
      ["mkdir", `${path}:/d`],
    ]) {
      const result = await xv6ts(...args);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `xv6ts: ${path} is in use by process ${process.ppid} (xv6ts run); quit that xv6ts first, or delete ${path}.lock if that process is not xv6ts\n`,
      );
    }
    expect(fileHash(path)).toBe(before);
  });

  test("releases the lock after every tool", async () => {
    const path = await smallImage();
    await xv6ts("ls", path);
    await xv6ts("cat", `${path}:/nope`);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});

describe("usage", () => {
  test("an unknown option is a usage error", async () => {
    const result = await xv6ts("ls", "--bogus", "x");
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: unknown option '--bogus'\n(add --help for usage)\n");
  });

  test.each([
    [["fsk", "a.img"], "error: unknown command 'fsk'\n(Did you mean fsck?)\n"],
    [["inspect", "a.img:/c"], "error: unknown command 'inspect'\n(Did you mean image inspect?)\n"],
    [["mkdri", "a.img:/d"], "error: unknown command 'mkdri'\n(Did you mean mkdir?)\n"],
    [["frobnicate"], "error: unknown command 'frobnicate'\n"],
  ])("an unknown command %j is a usage error", async (args, message) => {
    const result = await xv6ts(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${message}(add --help for usage)\n`);
  });

  test("options alone still run the default command", async () => {
    const disk = join(folder.path, "missing.img");
    const result = await xv6ts("--disk", disk, "--exec", "ls");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `xv6ts: the disk image ${disk} does not exist; make one with "xv6ts mkfs ${disk}" first\n`,
    );
  });

  test("a missing argument is a usage error", async () => {
    const result = await xv6ts("cp", "a");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: missing required argument 'dst'");
  });

  test("--version prints the version", async () => {
    const result = await xv6ts("--version");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${VERSION}\n`);
  });

  test("--help lists the exit codes", async () => {
    const result = await xv6ts("--help");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("124    script mode reached its --timeout");
    expect(result.stdout).toContain(`The default disk is ${join(env.XV6TS_HOME!, "disk.img")}`);
  });
});
