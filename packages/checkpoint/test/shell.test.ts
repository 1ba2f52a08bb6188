/**
 * The main job from the shell, as a user types it. Start `counter &`, checkpoint it, kill it,
 * shut down, boot a new kernel on the same disk and `restart`: the next line is the number after
 * the last one printed before the checkpoint. It runs on a memory disk copied between the two
 * boots and on a disk file reopened by the second boot. A restart with `> file` sends the
 * restarted output to the file, as a shell job does.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BlockDevice, FileDevice, fsck } from "@xv6ts/fs-journal";
import { afterEach, describe, expect, it } from "vitest";
import { copyDevice, makeDisk, Session } from "./session.js";

/** Returns the numbers of the `counter: N` lines in `text`, in order. */
function counts(text: string): number[] {
  return [...text.matchAll(/^counter: (\d+)$/gm)].map((match) => Number(match[1]));
}

/**
 * Boots `first`, starts `counter` (with `args`) in the background, lets it print, checkpoints it
 * into /c4 and kills it, then shuts down. Returns the last number printed before the checkpoint.
 */
async function saveCounter(first: BlockDevice, args = ""): Promise<number> {
  const session = await Session.boot(first);
  let pid = -1;
  let atCheckpoint = 0;
  let atKill = 0;
  await session.script([
    `counter${args} &`,
    "sleep 80",
    () => {
      pid = session.pidOf("counter");
      atCheckpoint = session.text.length;
      return `checkpoint ${pid} /c4`;
    },
    () => {
      atKill = session.text.length;
      return `kill ${pid}`;
    },
  ]);
  expect(pid).toBeGreaterThan(0);
  expect(session.text.slice(atCheckpoint, atKill)).toBe(`checkpoint ${pid} /c4\n$ `);
  // Counter sleeps 25 ticks between lines and the two commands take a fraction of a tick, so no
  // line came between the checkpoint and the kill: the last line before them is the last saved.
  expect(counts(session.text.slice(atCheckpoint))).toEqual([]);
  await session.until(() => !session.alive(pid), "counter has died");
  await session.shutdown();

  const printed = counts(session.text);
  expect(printed.length).toBeGreaterThanOrEqual(3);
  expect(printed).toEqual(printed.map((_, i) => i + 1));
  return printed.at(-1)!;
}

describe("the main job from the shell", () => {
  let folder: string | null = null;
  afterEach(() => {
    if (folder !== null) rmSync(folder, { recursive: true, force: true });
    folder = null;
  });

  it("carries the count on after a reboot on a copied disk", async () => {
    const device = makeDisk();
    const last = await saveCounter(device);

    const second = copyDevice(device);
    const session = await Session.boot(second);
    const start = session.text.length;
    session.type("restart /c4");
    await session.waitFor(`counter: ${last + 3}\n`, start);
    expect(counts(session.text.slice(start)).slice(0, 3)).toEqual([last + 1, last + 2, last + 3]);
    expect(session.text.slice(start)).toBe(
      `restart /c4\ncounter: ${last + 1}\ncounter: ${last + 2}\ncounter: ${last + 3}\n`,
    );
    await session.shutdown();
    expect(fsck(second).problems).toEqual([]);
  });

  it("carries the count on after a reboot on a disk file", async () => {
    folder = mkdtempSync(join(tmpdir(), "xv6ts-checkpoint-"));
    const path = join(folder, "disk.img");
    writeFileSync(path, makeDisk().snapshot());
    const first = FileDevice.open(path);
    const last = await saveCounter(first);
    first.close();

    const second = FileDevice.open(path);
    const session = await Session.boot(second);
    const start = session.text.length;
    session.type("restart /c4");
    await session.waitFor(`counter: ${last + 2}\n`, start);
    expect(counts(session.text.slice(start))).toEqual([last + 1, last + 2]);
    await session.shutdown();
    second.close();
    expect(fsck(FileDevice.open(path, { readOnly: true })).problems).toEqual([]);
  });

  it("sends the restarted output where the restart's is redirected", async () => {
    const device = makeDisk();
    const last = await saveCounter(device, " 9");

    const session = await Session.boot(copyDevice(device));
    expect(await session.run("restart /c4 > /out")).toBe("restart /c4 > /out\n$ ");
    const written = await session.run("cat /out");
    const expected = Array.from({ length: 9 - last }, (_, i) => `counter: ${last + 1 + i}\n`).join(
      "",
    );
    expect(written).toBe(`cat /out\n${expected}$ `);
    await session.shutdown();
  });
});
