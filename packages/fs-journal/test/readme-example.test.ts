/**
 * Runs the README's example script as a separate Node program, the way a user would, and checks
 * its output and the image it leaves.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { FileDevice, FileSystem, fsck } from "../src/index";
import { expectOk } from "./support";

const dir = mkdtempSync(join(tmpdir(), "fs-journal-example-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("README example replaces an existing image with one that checks clean", () => {
  const image = join(dir, "disk.img");
  // A leftover file, longer than the new image: the example passes overwrite, so it is replaced.
  writeFileSync(image, new Uint8Array(600_000).fill(0xee));
  const script = join(import.meta.dirname, "..", "examples", "make-image.ts");
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", "--conditions=@xv6ts/source", script, image],
    {
      cwd: join(import.meta.dirname, ".."),
      encoding: "utf8",
    },
  );
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  expect(run.stdout).toBe(". 5 48\n.. 4 48\nnotes.txt 6 27\nclean\n");

  expect(statSync(image).size).toBe(512_000);
  const device = FileDevice.open(image, { readOnly: true });
  expect(fsck(device).problems).toEqual([]);
  const notes = FileSystem.mount(device).readFile("/home/ada/notes.txt");
  expect(new TextDecoder().decode(expectOk(notes))).toBe("names are at most 14 bytes\n");
  device.close();
});
