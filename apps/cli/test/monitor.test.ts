/**
 * The monitor's commands on a real booted machine, in-process: a kernel on a disk image in a
 * temporary folder, with the deterministic clock, idle at the shell's prompt.
 */
import { join } from "node:path";
import { FileDevice } from "@xv6ts/fs-journal";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../src/index";
import { Machine } from "../src/machine";
import { Monitor } from "../src/monitor";
import { memoryIo, temporaryFolder } from "./helpers";

let folder: ReturnType<typeof temporaryFolder>;
let device: FileDevice;
let machine: Machine;
let monitor: Monitor;

beforeAll(async () => {
  folder = temporaryFolder();
  const disk = join(folder.path, "disk.img");
  const io = memoryIo({ XV6TS_HOME: folder.path }).io;
  expect(await runCli(["mkfs", disk, "--size", "8M"], io)).toBe(0);
  device = FileDevice.open(disk);
  machine = new Machine({
    device,
    diskPath: disk,
    memorySize: 32 * 1024 * 1024,
    deterministic: true,
  });
  const shellWaits = new Promise<void>((resolve) => machine.kernel.onConsoleWait(() => resolve()));
  machine.start();
  await shellWaits;
  monitor = new Monitor(machine);
});

afterAll(async () => {
  await machine.shutdown();
  device.close();
  folder.remove();
});

describe("monitor commands", () => {
  test("ps lists init and the shell", () => {
    expect(monitor.execute("ps")).toEqual({
      text: [
        "  pid  ppid  state           size  name",
        "    1     0  sleeping       12288  init",
        "    2     1  sleeping       36864  sh",
      ].join("\n"),
    });
  });

  test("info shows registers and the memory map", () => {
    const lines = monitor.execute("info 1").text.split("\n");
    expect(lines[0]).toBe("pid 1 (init), sleeping, 12288 bytes, parent 0");
    expect(lines[4]).toBe("cs 0x001b  ss 0x0023  ds 0x0023  es 0x0023  fs 0x0000  gs 0x0000");
    expect(lines[5]).toBe(
      "memory map (present pages; flags P present, W writable, U user, A accessed, D dirty):",
    );
    expect(lines.slice(6).join("\n")).toContain("(no user access: the stack guard page)");
  });

  test("x dumps the start of init's code", () => {
    const elf = monitor.execute("x 1 0x0 4").text;
    const bytes = machine.kernel.readMemory(1, 0, 4)!;
    const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join(" ");
    expect(elf).toMatch(new RegExp(`^00000000  ${hex} {38}\\|.{4}\\|$`));
  });

  test.each([
    ["info", "usage: info <pid>"],
    ["info 99", "no process has pid 99; ps lists them"],
    ["info two", 'invalid pid "two"; use a number from ps'],
    ["info 9007199254740993", 'invalid pid "9007199254740993"; use a number from ps'],
    ["x 1 0x100000000 16", "address 0x100000000 does not fit in 32 bits; use 0 to 0xffffffff"],
    ["x 1 0 0", "invalid length 0; dump 1 to 65536 bytes"],
    ["x 1 zero 4", 'invalid address "zero"; use a decimal number or 0x and hex digits'],
    [
      "x 1 0x40000000 16",
      "cannot read 16 bytes at 0x40000000 of pid 1: a page in that range is not mapped; info 1 shows the map",
    ],
    ["frobnicate", 'unknown command "frobnicate"; type help for the list'],
    ['checkpoint 2 "/a b', 'missing closing quote ("); quote a path with spaces as "a b"'],
    ["info  '1' extra", "usage: info <pid>"],
    ["", ""],
  ])("%j prints %j", (line, text) => {
    expect(monitor.execute(line)).toEqual({ text });
  });

  test("cont and quit leave the monitor", () => {
    expect(monitor.execute("cont")).toEqual({ text: "", action: "close" });
    expect(monitor.execute("quit")).toEqual({ text: "", action: "quit" });
  });

  test("checkpoint and restart make a second shell", () => {
    const saved = monitor.execute("checkpoint 2 /sh2").text;
    expect(saved).toMatch(/^saved pid 2 to \/sh2 \(\d+ bytes\)$/);
    const restarted = monitor.execute("restart /sh2").text;
    expect(restarted).toMatch(/^restarted \/sh2 as pid \d+$/);
    const pid = Number(/pid (\d+)$/.exec(restarted)![1]);
    expect(monitor.execute("ps").text).toMatch(
      new RegExp(`^ +${pid} {5}1 {2}\\w+ +36864 {2}sh$`, "m"),
    );
  });

  test("checkpoint and restart take a quoted path with a space", () => {
    expect(monitor.execute('checkpoint 2 "/a b"').text).toMatch(
      /^saved pid 2 to \/a b \(\d+ bytes\)$/,
    );
    expect(monitor.execute("restart '/a b'").text).toMatch(/^restarted \/a b as pid \d+$/);
  });

  test("checkpoint prints the path the checkpoint package wrote", () => {
    expect(monitor.execute("checkpoint 2 sh3").text).toMatch(
      /^saved pid 2 to \/sh3 \(\d+ bytes\)$/,
    );
  });

  test("checkpoint rejects a name longer than 14 bytes on one line", () => {
    const text = monitor.execute("checkpoint 2 /a-very-long-image-name").text;
    expect(text).toMatch(
      /^checkpoint of pid 2 to \/a-very-long-image-name failed: .*longer than the 14 bytes of an xv6 file name$/,
    );
    expect(text).not.toContain("\n");
  });

  test("checkpoint and restart report their failures", () => {
    expect(monitor.execute("checkpoint 99 /x").text).toMatch(
      /^checkpoint of pid 99 to \/x failed: .+/,
    );
    expect(monitor.execute("restart /nope").text).toMatch(/^restart of \/nope failed: .+/);
  });
});
