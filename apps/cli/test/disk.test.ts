/**
 * Tests of the disk helpers that the image tools share: the temporary file of makeImage and the
 * shutdown after an error.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FsPanic } from "@xv6ts/fs-journal";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { makeImage, withFileSystem } from "../src/disk";
import { memoryIo, temporaryFolder } from "./helpers";

let folder: ReturnType<typeof temporaryFolder>;

beforeEach(() => {
  folder = temporaryFolder();
});

afterEach(() => {
  folder.remove();
});

function makeSmallImage(path: string): void {
  const { io } = memoryIo({});
  makeImage(path, {
    geometry: "extended",
    size: 4 * 1024 * 1024,
    empty: true,
    force: false,
    command: "xv6ts mkfs",
    io,
  });
}

describe("makeImage", () => {
  test("replaces a temporary file left by an earlier run", () => {
    const path = join(folder.path, "d.img");
    const stale = join(folder.path, `.d.img.${process.pid}.new`);
    writeFileSync(stale, "left by a killed mkfs whose pid came back");

    makeSmallImage(path);

    expect(statSync(path).size).toBe(4 * 1024 * 1024);
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(folder.path)).toEqual(["d.img"]);
  });
});

describe("withFileSystem", () => {
  test("rethrows the first panic, not one from shutdown", () => {
    const path = join(folder.path, "d.img");
    makeSmallImage(path);
    const { io } = memoryIo({});
    const run = () =>
      withFileSystem(path, { readOnly: false, command: "test", io }, (fs) => fs.endOp());

    expect(run).toThrow(FsPanic);
    expect(run).toThrow(/^endOp: /);
  });
});
