import { MemoryDevice } from "@xv6ts/fs-journal";
import { afterEach, expect, test, vi } from "vitest";
import type { CliIo } from "./io";
import { CountingDevice, NO_PROGRESS, startProgress } from "./progress";

afterEach(() => {
  vi.useRealTimers();
});

/** Makes a CliIo whose standard error collects text and is (or is not) a terminal. */
function ioWithStderr(isTTY: boolean): { io: CliIo; text: () => string } {
  let text = "";
  const stderr = {
    isTTY,
    columns: 100,
    write: (chunk: string | Uint8Array) => {
      text += chunk.toString();
      return true;
    },
  };
  const io = { stderr, stdout: stderr, env: {} } as unknown as CliIo;
  return { io, text: () => text };
}

test("startProgress shows nothing when standard error is not a terminal", () => {
  const { io } = ioWithStderr(false);
  expect(startProgress(io, "cp", 100)).toBe(NO_PROGRESS);
});

test("startProgress draws a bar only after work has run a while", () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  const { io, text } = ioWithStderr(true);
  const progress = startProgress(io, "cp", 100);
  progress.advance(10);
  expect(text()).toBe("");

  vi.setSystemTime(Date.now() + 1000);
  progress.advance(10);
  expect(text()).toContain("cp [");
  expect(text()).toContain("20/100 blocks");
  progress.finish();
});

test("CountingDevice reports each block read and written", () => {
  const events: string[] = [];
  const device = new CountingDevice(new MemoryDevice(4, 512), (kind) => events.push(kind));
  const block = new Uint8Array(512);
  device.write(1, block.fill(7));
  device.read(1, block);
  expect(events).toEqual(["write", "read"]);
  expect(device.blockCount).toBe(4);
  expect(device.blockSize).toBe(512);
});
