/**
 * Hostile images, property-based. A real image (a process that saved itself) is damaged in two
 * ways. Its bytes are flipped or truncated, or header and record fields get absurd values. Or
 * its contents are re-encoded with valid checksums but with one value a restart must not
 * accept. Such values are sizes, pages past sz, kernel selectors, IOPL and other EFLAGS bits,
 * impossible inode numbers, descriptor numbers, and more pages than free memory. Each image is
 * written to the disk and restarted from the shell. The restart program must get -1 and go on,
 * the kernel must print one reason line and keep running, and no frame or open file may leak.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CheckpointImage,
  decodeImage,
  encodeImage,
  type ImageContents,
  restartProcess,
} from "../src/index.js";
import { resealImage } from "./sample-image.js";
import { makeDisk, Session } from "./session.js";

let session: Session;
let base: Uint8Array;
let baseImage: CheckpointImage;

beforeAll(async () => {
  session = await Session.boot(makeDisk());
  expect(await session.command("ctself /base")).toContain("checkpoint returned 0");
  const read = session.kernel.extension.fileSystem.readFile("/base");
  if (!read.ok) throw new Error(read.reason);
  base = read.value;
  const decoded = decodeImage(base);
  if (!decoded.ok) throw new Error(decoded.reason);
  baseImage = decoded.image;
});

afterAll(async () => {
  await session.shutdown();
});

/** Writes `bytes` to /bad, restarts it from the shell and checks that nothing changed. */
async function expectRejected(bytes: Uint8Array): Promise<string> {
  const fs = session.kernel.extension.fileSystem;
  expect(fs.writeFile("/bad", bytes).ok).toBe(true);
  const frames = session.kernel.freeFrames;
  const files = session.kernel.openFiles;

  const output = await session.run("restart /bad");
  const match = /^restart \/bad\nrestart: \/bad: (.+)\nrestart: \/bad failed\n\$ $/.exec(output);
  expect(match, `restart output: ${JSON.stringify(output)}`).not.toBeNull();
  expect(session.kernel.freeFrames).toBe(frames);
  expect(session.kernel.openFiles).toBe(files);
  return match![1]!;
}

/** Re-encodes the base image with one change, so every checksum is valid. */
function reencoded(change: (contents: ImageContents) => void): Uint8Array {
  const contents: ImageContents = structuredClone({
    process: baseImage.process,
    registers: baseImage.registers,
    cwd: baseImage.cwd,
    descriptors: baseImage.descriptors,
    pages: baseImage.pages,
  });
  change(contents);
  return encodeImage(contents);
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });

describe("restart of a damaged image", () => {
  it("rejects flipped bytes", { tags: ["slow"] }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        async (flips) => {
          const bytes = base.slice();
          for (const [at, mask] of flips) bytes[at % bytes.length] ^= mask;
          await expectRejected(bytes);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("rejects truncated images", { tags: ["slow"] }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), async (length) => {
        await expectRejected(base.slice(0, length % base.length));
      }),
      { numRuns: 40 },
    );
  });

  it("rejects absurd counts and lengths with a valid header checksum", {
    tags: ["slow"],
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(12, 16, 20, 32 + 4), u32, async (field, value) => {
        const bytes = base.slice();
        new DataView(bytes.buffer).setUint32(field, value, true);
        resealImage(bytes);
        fc.pre(value !== new DataView(base.buffer).getUint32(field, true));
        await expectRejected(bytes);
      }),
      { numRuns: 40 },
    );
  });

  it("rejects random bytes after a valid magic number", { tags: ["slow"] }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 3000 }), async (tail) => {
        const bytes = new Uint8Array(12 + tail.length);
        bytes.set(base.subarray(0, 12));
        bytes.set(tail, 12);
        await expectRejected(bytes);
      }),
      { numRuns: 30 },
    );
  });
});

describe("restart of an invalid image with valid checksums", () => {
  const kernelSelector = fc
    .integer({ min: 0, max: 0xffff })
    .filter((s) => ![0, 1, 2, 3, 0x1b, 0x23].includes(s));
  const changes: fc.Arbitrary<[string, (c: ImageContents) => void]>[] = [
    fc.constantFrom(0, 0x80000000, 0xffffffff).map((sz) => [
      `sz ${sz}`,
      (c) => {
        Object.assign(c.process, { sz });
      },
    ]),
    fc.nat({ max: 4 }).map((i) => [
      `page past sz ${i}`,
      (c) => {
        c.process.sz = c.pages.at(-1)!.va - i * 4096;
      },
    ]),
    fc.integer({ min: 1, max: 4095 }).map((off) => [
      `unaligned page +${off}`,
      (c) => {
        c.pages[1]!.va += off;
      },
    ]),
    fc.integer({ min: 8, max: 0xffff }).map((flags) => [
      `page flags ${flags}`,
      (c) => {
        c.pages[0]!.flags = flags | 1;
      },
    ]),
    fc.constant<[string, (c: ImageContents) => void]>([
      "page without P",
      (c) => {
        c.pages[0]!.flags = 6;
      },
    ]),
    fc.constant<[string, (c: ImageContents) => void]>([
      "repeated page",
      (c) => {
        c.pages.splice(1, 0, c.pages[0]!);
      },
    ]),
    kernelSelector.map((cs) => [
      `cs ${cs}`,
      (c) => {
        c.registers.cs = cs;
      },
    ]),
    kernelSelector.map((ss) => [
      `ss ${ss}`,
      (c) => {
        c.registers.ss = ss;
      },
    ]),
    fc
      .tuple(
        fc.constantFrom("ds", "es", "fs", "gs") as fc.Arbitrary<"ds" | "es" | "fs" | "gs">,
        kernelSelector,
      )
      .map(([name, value]) => [
        `${name} ${value}`,
        (c) => {
          c.registers[name] = value;
        },
      ]),
    fc.integer({ min: 1, max: 3 }).map((iopl) => [
      `IOPL ${iopl}`,
      (c) => {
        c.registers.eflags |= iopl << 12;
      },
    ]),
    fc
      .constantFrom(0x8, 0x20, 0x8000, 0x10000, 0x20000, 0x80000, 0x100000, 0x400000, 0x80000000)
      .map((bit) => [
        `eflags bit ${bit}`,
        (c) => {
          c.registers.eflags |= bit;
        },
      ]),
    fc.constantFrom(0x2, 0x200).map((bit) => [
      `eflags without ${bit}`,
      (c) => {
        c.registers.eflags &= ~bit;
      },
    ]),
    fc.integer({ min: 200, max: 0xffffffff }).map((inum) => [
      `fd inode ${inum}`,
      (c) => {
        c.descriptors[0]!.inum = inum;
      },
    ]),
    fc.integer({ min: 200, max: 0xffffffff }).map((inum) => [
      `cwd inode ${inum}`,
      (c) => {
        c.cwd.inum = inum;
      },
    ]),
    // 255 marks "not shared" in the format, so the encoder refuses it; 16 to 254 encode.
    fc.integer({ min: 16, max: 254 }).map((fd) => [
      `fd ${fd}`,
      (c) => {
        c.descriptors[2]!.fd = fd;
      },
    ]),
    fc.constant<[string, (c: ImageContents) => void]>([
      "relative cwd",
      (c) => {
        c.cwd.path = "tmp";
      },
    ]),
    fc.constant<[string, (c: ImageContents) => void]>([
      "more pages than free memory",
      (c) => {
        c.process.sz = 0x7ff00000;
        c.pages = Array.from({ length: 9000 }, (_, i) => ({ va: i * 4096, flags: 7, bytes: null }));
      },
    ]),
  ];

  it("rejects every invalid value and changes nothing", { tags: ["slow"] }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(...changes), async ([label, change]) => {
        const reason = await expectRejected(reencoded(change));
        expect(reason, label).not.toBe("");
      }),
      { numRuns: 120 },
    );
  });

  it("names the value in the reason", async () => {
    expect(
      await expectRejected(
        reencoded((c) => {
          c.registers.cs = 0x08;
        }),
      ),
    ).toBe("cs 0x8 is not the user code selector 0x1b");
    expect(
      await expectRejected(
        reencoded((c) => {
          c.registers.eflags |= 0x3000;
        }),
      ),
    ).toMatch(/^eflags 0x[0-9a-f]+ has IOPL 3, not 0$/);
    expect(
      await expectRejected(
        reencoded((c) => {
          c.descriptors[0]!.inum = 5000;
        }),
      ),
    ).toBe("fd 0 names inode 5000, which this file system cannot have (1 to 199)");
  });

  it("creates no process from the host either", async () => {
    const fs = session.kernel.extension.fileSystem;
    expect(
      fs.writeFile(
        "/bad",
        reencoded((c) => {
          c.registers.ss = 0x10;
        }),
      ).ok,
    ).toBe(true);
    const frames = session.kernel.freeFrames;
    const processes = session.kernel.processes().length;
    expect(restartProcess(session.kernel, "/bad")).toEqual({
      ok: false,
      reason: "/bad: ss 0x10 is not the user data selector 0x23",
    });
    expect(session.kernel.freeFrames).toBe(frames);
    expect(session.kernel.processes()).toHaveLength(processes);
  });
});

describe("restart of a valid image whose files changed", () => {
  it("names the new kind of a path that is now a directory", async () => {
    const fs = session.kernel.extension.fileSystem;
    const image = reencoded((c) => {
      c.descriptors.push({
        fd: 7,
        kind: "file",
        readable: true,
        writable: true,
        sharesWith: null,
        inum: 1,
        offset: 0,
        major: 0,
        minor: 0,
        path: "/",
      });
    });
    expect(fs.writeFile("/moved", image).ok).toBe(true);

    const output = await session.run("restart /moved");
    expect(output).toContain("restart: fd 7 closed: / is now a directory, not a file\n");
    expect(output).toContain("ctself: checkpoint returned 1\n");
  });
});
