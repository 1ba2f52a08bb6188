import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sampleContents } from "../test/sample-image.js";
import { type CheckpointImage, decodeImage, encodeImage } from "./format.js";
import {
  framesNeeded,
  type ValidationLimits,
  validateImage,
  validateImageStructure,
} from "./validate.js";

const LIMITS: ValidationLimits = { freeFrames: 1000, ninodes: 200, maxFileBytes: 71_680 };

function sampleImage(): CheckpointImage {
  return { ...sampleContents(), version: { major: 1, minor: 0 }, skipped: [] };
}

/** Applies `change` to a fresh sample image and validates it. */
function problemAfter(change: (image: CheckpointImage) => void, limits = LIMITS): string | null {
  const image = sampleImage();
  change(image);
  return validateImage(image, limits);
}

describe("validateImage", () => {
  it("accepts the sample image", () => {
    expect(validateImage(sampleImage(), LIMITS)).toBeNull();
  });

  it("rejects process values a restart cannot install", () => {
    const cases: [(image: CheckpointImage) => void, string][] = [
      [
        (i) => {
          i.process.pid = 0;
        },
        "pid 0 is not a process id",
      ],
      [
        (i) => {
          i.process.name = "a".repeat(16);
        },
        `the name "${"a".repeat(16)}" is longer than 15 bytes`,
      ],
      [
        (i) => {
          i.process.name = "a\x07b\x1bc\x7fd\x80e\x01f\x02g\x03h\x04i\x05j\x06k\x08l";
        },
        'the name "a\\x07b\\x1bc\\x7fd\\x80e\\x01f\\x02g\\x03h\\x04i\\x05j\\x06k\\x08l" is longer than 15 bytes',
      ],
      [
        (i) => {
          i.process.name = "nul\0";
        },
        "the name contains a NUL byte",
      ],
      [
        (i) => {
          i.process.sz = 0;
        },
        "size 0x0 is not between 1 and KERNBASE (0x80000000)",
      ],
      [
        (i) => {
          i.process.sz = 0x80000000;
        },
        "size 0x80000000 is not between 1 and KERNBASE (0x80000000)",
      ],
      [
        (i) => {
          i.process.blockedSyscall = 256;
        },
        "blocked system call 256 does not exist",
      ],
      [
        (i) => {
          i.process.blockedSyscall = 5;
        },
        "17 sleep ticks remain, but the process was not in sleep",
      ],
    ];
    for (const [change, expected] of cases) expect(problemAfter(change)).toBe(expected);
  });

  it("rejects selectors user mode cannot hold", () => {
    expect(
      problemAfter((i) => {
        i.registers.cs = 0x08;
      }),
    ).toBe("cs 0x8 is not the user code selector 0x1b");
    expect(
      problemAfter((i) => {
        i.registers.ss = 0x10;
      }),
    ).toBe("ss 0x10 is not the user data selector 0x23");
    expect(
      problemAfter((i) => {
        i.registers.ds = 0x10;
      }),
    ).toBe("ds 0x10 is not a selector user mode can hold");
    expect(
      problemAfter((i) => {
        i.registers.gs = 0x2b;
      }),
    ).toBe("gs 0x2b is not a selector user mode can hold");
    expect(
      problemAfter((i) => {
        i.registers.es = 0x1c;
      }),
    ).toBe("es 0x1c is not a selector user mode can hold");
  });

  it("accepts every data selector user mode can hold", () => {
    for (const selector of [0, 1, 2, 3, 0x18, 0x19, 0x1a, 0x1b, 0x20, 0x21, 0x22, 0x23]) {
      expect(
        problemAfter((i) => {
          i.registers.fs = selector;
        }),
      ).toBeNull();
    }
  });

  it("rejects EFLAGS user mode cannot have", () => {
    const cases: [number, string][] = [
      [0x200, "eflags 0x200 lacks bit 1 or IF, which user mode always has"],
      [0x002, "eflags 0x2 lacks bit 1 or IF, which user mode always has"],
      [0x3202, "eflags 0x3202 has IOPL 3, not 0"],
      [0x1202, "eflags 0x1202 has IOPL 1, not 0"],
      [0x20202, "eflags 0x20202 has VM (virtual-8086 mode) set"],
      [0x10202, "eflags 0x10202 has bits 0x10000 that user mode cannot set"],
      [0x8202, "eflags 0x8202 has bits 0x8000 that user mode cannot set"],
    ];
    for (const [eflags, expected] of cases) {
      expect(
        problemAfter((i) => {
          i.registers.eflags = eflags;
        }),
      ).toBe(expected);
    }
  });

  it("accepts EFLAGS bits user code can set with popf", () => {
    expect(
      problemAfter((i) => {
        i.registers.eflags = 0x244fd7;
      }),
    ).toBeNull();
  });

  it("rejects pages outside the rules", () => {
    const cases: [(image: CheckpointImage) => void, string][] = [
      [
        (i) => {
          i.pages[1]!.va = 0x1800;
        },
        "page address 0x1800 is not page-aligned",
      ],
      [
        (i) => {
          i.pages[2]!.va = 0x1000;
        },
        "page 0x1000 is out of order or repeated after 0x1000",
      ],
      [
        (i) => {
          i.process.sz = 0x4000;
        },
        "page 0x4000 lies past the size 0x4000",
      ],
      [
        (i) => {
          i.pages[0]!.flags = 0x6;
        },
        "page 0x0 has permission bits 0x6; only P, W and U are allowed, P always",
      ],
      [
        (i) => {
          i.pages[0]!.flags = 0x27;
        },
        "page 0x0 has permission bits 0x27; only P, W and U are allowed, P always",
      ],
    ];
    for (const [change, expected] of cases) expect(problemAfter(change)).toBe(expected);
  });

  it("accepts a size that ends inside the last page", () => {
    expect(
      problemAfter((i) => {
        i.process.sz = 0x4001;
      }),
    ).toBeNull();
  });

  it("accepts every name exec can give", () => {
    for (const name of ["b\x1bx", "\x01\x7f\x80\xff", "fifteen-letters", "", "tab\there"]) {
      expect(
        problemAfter((i) => {
          i.process.name = name;
        }),
        JSON.stringify(name),
      ).toBeNull();
    }
  });

  it("rejects an image that needs more frames than are free", () => {
    // 5 pages, one page table, one directory.
    expect(framesNeeded(sampleImage().pages)).toBe(7);
    expect(validateImage(sampleImage(), { ...LIMITS, freeFrames: 7 })).toBeNull();
    expect(validateImage(sampleImage(), { ...LIMITS, freeFrames: 6 })).toBe(
      "the image needs 7 frames of memory, but only 6 are free",
    );
  });

  it("leaves the free frames out of the structural checks", () => {
    const structure = { ninodes: LIMITS.ninodes, maxFileBytes: LIMITS.maxFileBytes };
    expect(validateImageStructure(sampleImage(), structure)).toBeNull();
    expect(validateImage(sampleImage(), { ...structure, freeFrames: 0 })).toBe(
      "the image needs 7 frames of memory, but only 0 are free",
    );
    const image = sampleImage();
    image.cwd.inum = 0;
    expect(validateImageStructure(image, structure)).toBe(
      "the working directory names inode 0, which this file system cannot have (1 to 199)",
    );
  });

  it("counts one page table per 4 MiB region", () => {
    const pages = [0, 0x3ff000, 0x400000, 0x7ffff000].map((va) => ({ va, flags: 7, bytes: null }));
    expect(framesNeeded(pages)).toBe(4 + 3 + 1);
  });

  it("rejects working directories that cannot exist", () => {
    expect(
      problemAfter((i) => {
        i.cwd.inum = 0;
      }),
    ).toBe("the working directory names inode 0, which this file system cannot have (1 to 199)");
    expect(
      problemAfter((i) => {
        i.cwd.inum = 200;
      }),
    ).toBe("the working directory names inode 200, which this file system cannot have (1 to 199)");
    expect(
      problemAfter((i) => {
        i.cwd.path = "home";
      }),
    ).toBe('the working directory has path "home", not an absolute path');
  });

  it("rejects invalid descriptor records", () => {
    const file = (i: CheckpointImage) => i.descriptors[3]!;
    const cases: [(image: CheckpointImage) => void, string][] = [
      [(i) => i.descriptors.push({ ...file(i), fd: 16 }), "fd 16 is not below 16"],
      [
        (i) => {
          file(i).fd = 2;
        },
        "fd 2 is repeated or out of order after fd 2",
      ],
      [
        (i) => {
          file(i).inum = 5000;
        },
        "fd 3 names inode 5000, which this file system cannot have (1 to 199)",
      ],
      [
        (i) => {
          file(i).inum = 0;
        },
        "fd 3 names inode 0, which this file system cannot have (1 to 199)",
      ],
      [
        (i) => {
          file(i).path = null;
        },
        'fd 3 has path "", not an absolute path',
      ],
      [
        (i) => {
          file(i).path = "/a\0b";
        },
        "fd 3 has a path with a NUL byte",
      ],
      [
        (i) => {
          file(i).readable = false;
        },
        "fd 3 is neither readable nor writable",
      ],
      [
        (i) => {
          file(i).offset = 71_681;
        },
        "fd 3 has offset 71681, past the largest file (71680 bytes)",
      ],
      [
        (i) => {
          file(i).major = 1;
        },
        "fd 3 is not a device but has device numbers",
      ],
      [
        (i) => Object.assign(file(i), { kind: "directory", writable: true }),
        "fd 3 is a directory opened for writing",
      ],
      [
        (i) => Object.assign(file(i), { kind: "pipe-read", inum: 0, path: null }),
        "fd 3 is a pipe end with an inode, path or offset",
      ],
      [
        (i) => Object.assign(file(i), { kind: "pipe-write" }),
        "fd 3 is a pipe end with the wrong mode",
      ],
      [
        (i) => {
          i.descriptors[0]!.offset = 5;
        },
        "fd 0 is the console with offset 5",
      ],
      [
        (i) => {
          i.descriptors[1]!.sharesWith = 1;
        },
        "fd 1 shares an open file with fd 1, which is not an earlier unshared descriptor",
      ],
      [
        (i) => {
          i.descriptors[2]!.sharesWith = 1;
        },
        "fd 2 shares an open file with fd 1, which is not an earlier unshared descriptor",
      ],
      [
        (i) => {
          file(i).sharesWith = 0;
        },
        "fd 3 shares an open file with fd 0 but differs from it",
      ],
      [
        (i) => {
          i.descriptors = Array.from({ length: 17 }, (_, fd) => ({ ...i.descriptors[3]!, fd }));
        },
        "17 descriptors, more than 16",
      ],
    ];
    for (const [change, expected] of cases) expect(problemAfter(change)).toBe(expected);
  });

  it("accepts pipe ends, which restart closes", () => {
    const image = sampleImage();
    const pipe = { ...image.descriptors[3]!, inum: 0, path: null, offset: 0 };
    image.descriptors[3] = { ...pipe, kind: "pipe-read", readable: true, writable: false };
    image.descriptors.push({ ...pipe, fd: 4, kind: "pipe-write", readable: false, writable: true });
    expect(validateImage(image, LIMITS)).toBeNull();
  });

  it("rejects every flipped byte of an encoding", () => {
    const bytes = encodeImage(sampleContents());
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (offset, flip) => {
        const changed = bytes.slice();
        changed[offset] ^= flip;
        const decoded = decodeImage(changed);
        expect(decoded.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
