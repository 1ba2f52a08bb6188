/**
 * The crash matrix of the image writer. It records every block write of one image write on
 * fs-journal's crash device and rebuilds the disk as a crash after each write would leave it,
 * also with writes reordered between barriers and with a torn 4 KiB block. Each disk is
 * recovered and must contain the old image or the new one, complete and with valid checksums.
 * The sweep must leave /.ckpt empty, and fsck must find nothing before or after it.
 */
import {
  CrashDevice,
  type CrashOptions,
  FileSystem,
  fsck,
  type GeometryName,
  MemoryDevice,
  mkfs,
} from "@xv6ts/fs-journal";
import { describe, expect, test } from "vitest";
import { decodeImage, encodeImage } from "../src/format.js";
import {
  readImageFile,
  sweepTemporaryFiles,
  TEMPORARY_DIRECTORY,
  writeImageFile,
} from "../src/image-file.js";
import { patternPage, sameBytes, sampleContents } from "./sample-image.js";

/** Encodes an image of `pages` raw pages whose contents depend on `seed`. */
function imageOfPages(pages: number, seed: number): Uint8Array {
  const contents = sampleContents();
  contents.process.sz = pages * 4096;
  contents.process.uptime = seed;
  contents.pages = Array.from({ length: pages }, (_, i) => ({
    va: i * 4096,
    flags: 7,
    bytes: patternPage((i * 3 + seed) * 4096),
  }));
  return encodeImage(contents);
}

interface Scenario {
  geometry: GeometryName;
  /** The image at the target before the write, or null for a new name. */
  old: Uint8Array | null;
  fresh: Uint8Array;
}

/** Makes the starting disk, then records one write of `fresh` to /c4. */
function recordWrite(scenario: Scenario): CrashDevice {
  const xv6 = scenario.geometry === "xv6";
  const size = xv6 ? 4000 : 1024;
  const base = new MemoryDevice(size, xv6 ? 512 : 4096);
  mkfs(base, { geometry: scenario.geometry, size, ninodes: 64 });
  if (scenario.old !== null) {
    const fs = FileSystem.mount(base);
    expect(writeImageFile(fs, { path: "/c4" }, scenario.old, "4").ok).toBe(true);
    fs.shutdown();
  }

  const crash = new CrashDevice(base);
  const fs = FileSystem.mount(crash);
  expect(writeImageFile(fs, { path: "/c4" }, scenario.fresh, "4").ok).toBe(true);
  fs.shutdown();
  return crash;
}

/** Returns which image a recovered disk contains at /c4: "old", "new" or "none". */
function checkRecovered(device: MemoryDevice, scenario: Scenario, label: string): string {
  expect(fsck(device).problems, `${label}: fsck before mount`).toEqual([]);
  const fs = FileSystem.mount(device);
  sweepTemporaryFiles(fs);
  const listing = fs.listDir(TEMPORARY_DIRECTORY);
  const leftovers = listing.ok
    ? listing.value.filter((e) => e.name !== "." && e.name !== "..")
    : [];
  expect(leftovers, `${label}: /.ckpt after the sweep`).toEqual([]);

  const read = readImageFile(fs, { path: "/c4" }, 1 << 24);
  fs.shutdown();
  expect(fsck(device).problems, `${label}: fsck after the sweep`).toEqual([]);
  if (!read.ok) {
    expect(read.reason, `${label}: a missing image`).toBe("file not found");
    expect(scenario.old === null, `${label}: the old image vanished`).toBe(true);
    return "none";
  }
  expect(decodeImage(read.bytes).ok, `${label}: checksums`).toBe(true);
  if (sameBytes(read.bytes, scenario.fresh)) return "new";
  expect(
    scenario.old !== null && sameBytes(read.bytes, scenario.old),
    `${label}: neither image`,
  ).toBe(true);
  return "old";
}

/** Runs every crash state of one recording and checks that the image only moves forward. */
function runMatrix(scenario: Scenario, options: CrashOptions = {}): Map<string, number> {
  const crash = recordWrite(scenario);
  const seen = new Map<string, number>();
  let switched = false;
  for (const state of crash.crashStates(options)) {
    const found = checkRecovered(state.device, scenario, `crash after ${state.writes} writes`);
    seen.set(found, (seen.get(found) ?? 0) + 1);
    if (found === "new") switched = true;
    else expect(switched, `the old image came back after ${state.writes} writes`).toBe(false);
  }
  expect(seen.get("new"), "states with the new image").toBeGreaterThan(0);
  const states = [...seen.values()].reduce((sum, count) => sum + count, 0);
  expect(states, "one state per write, and the state before the first").toBe(crash.writeCount + 1);
  return seen;
}

describe("image writer crash matrix", () => {
  test("xv6 geometry: replacing an image", { tags: ["slow"] }, () => {
    const seen = runMatrix({
      geometry: "xv6",
      old: imageOfPages(6, 1),
      fresh: imageOfPages(15, 2),
    });
    expect(seen.get("old")).toBeGreaterThan(0);
    expect(seen.has("none")).toBe(false);
  });

  test("xv6 geometry: a first image", { tags: ["slow"] }, () => {
    const seen = runMatrix({ geometry: "xv6", old: null, fresh: imageOfPages(15, 3) });
    expect(seen.get("none")).toBeGreaterThan(0);
  });

  test("extended geometry: replacing an image", { tags: ["slow"] }, () => {
    const seen = runMatrix({
      geometry: "extended",
      old: imageOfPages(40, 4),
      fresh: imageOfPages(300, 5),
    });
    expect(seen.get("old")).toBeGreaterThan(0);
  });

  test("extended geometry: reordered writes and torn blocks", { tags: ["slow"] }, () => {
    const scenario = {
      geometry: "extended" as const,
      old: imageOfPages(30, 6),
      fresh: imageOfPages(120, 7),
    };
    for (const seed of [1, 2, 3]) runMatrix(scenario, { reorder: true, tear: true, seed });
  });
});
