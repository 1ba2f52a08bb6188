/**
 * The interactive session in a real pseudo-terminal (a private tmux server): raw keys reach the
 * kernel's line discipline, the ctrl-A escapes and the monitor work, and every way out restores
 * the terminal. xv6ts runs from source with the real-time clock, as a user runs it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../src/index";
import { CLI_DIR, memoryIo, temporaryFolder, xv6tsCommand } from "./helpers";
import { TERMINAL_TESTS, TmuxSession } from "./tmux";

let folder: ReturnType<typeof temporaryFolder>;
let env: Record<string, string>;
let imageCount = 0;
let session: TmuxSession | null = null;

beforeAll(() => {
  folder = temporaryFolder();
  env = { XV6TS_HOME: join(folder.path, "home") };
});

afterEach(() => {
  session?.kill();
  session = null;
});

afterAll(() => folder.remove());

async function freshImage(): Promise<string> {
  const path = join(folder.path, `disk-${++imageCount}.img`);
  expect(await runCli(["mkfs", path, "--size", "8M"], memoryIo(env).io)).toBe(0);
  return path;
}

/** Boots xv6ts on `disk` in a new terminal and waits for the first prompt. */
async function boot(disk: string): Promise<TmuxSession> {
  session = TmuxSession.start([...xv6tsCommand(), "--disk", disk], { env, cwd: CLI_DIR });
  await session.waitFor(/init: starting sh\n\$$/);
  return session;
}

/** Returns the lines after the last line that starts with `marker`. */
function linesAfter(screen: string, marker: string): string[] {
  const lines = screen.split("\n");
  let index = lines.length - 1;
  while (index >= 0 && !lines[index]!.startsWith(marker)) index--;
  return lines.slice(index + 1);
}

/** Checks that xv6ts exited 0 and left the terminal in cooked mode with echo. */
async function expectCleanExit(terminal: TmuxSession): Promise<void> {
  const screen = await terminal.waitFor(/EXIT=\d+[\s\S]*\bicanon\b/);
  expect(screen).toContain("xv6ts: shut down cleanly; the disk image is consistent");
  expect(screen).toMatch(/^EXIT=0$/m);
  expect(screen).toMatch(/(^|\s)icanon(\s|$)/m);
  expect(screen).toMatch(/(^|\s)echo(\s|$)/m);
}

describe.runIf(TERMINAL_TESTS)("the terminal session", { tags: ["slow"] }, () => {
  test("passes raw keys to the console line discipline", async () => {
    const disk = await freshImage();
    const terminal = await boot(disk);

    terminal.type("echo abx");
    terminal.keys("BSpace");
    terminal.type("c");
    terminal.keys("Enter");
    await terminal.waitFor(/\$ echo abc\nabc\n\$$/);

    terminal.type("echo garbage");
    terminal.keys("C-u");
    terminal.type("echo ok");
    terminal.keys("Enter");
    await terminal.waitFor(/\$ echo ok\nok\n\$$/);

    terminal.keys("C-p");
    const listing = await terminal.waitFor(/1 sleep {2}init\n2 sleep {2}sh$/);
    expect(linesAfter(listing, "ok")).toEqual(["$ 1 sleep  init", "2 sleep  sh"]);

    terminal.keys("Enter");
    await terminal.waitFor(/sh\n\n\$$/);
    terminal.keys("C-d");
    await terminal.waitFor(/\n\$ init: starting sh\n\$$/);

    terminal.keys("C-a", "x");
    await expectCleanExit(terminal);
  });

  test("lists the escapes and types a literal ctrl-A", async () => {
    const disk = await freshImage();
    const terminal = await boot(disk);

    terminal.keys("C-a", "h");
    const help = await terminal.waitFor(/ctrl-A ctrl-A {2}type a ctrl-A$/);
    expect(linesAfter(help, "init: starting sh")).toEqual([
      "$",
      "ctrl-A x       quit xv6ts: shut down cleanly, the disk log flushed and the image consistent",
      "ctrl-A c       open the host monitor (ps, checkpoint, restart, info, x, quit)",
      "ctrl-A h       show this help",
      "ctrl-A ctrl-A  type a ctrl-A",
    ]);

    terminal.keys("Enter");
    terminal.type("cat > f");
    terminal.keys("Enter");
    await terminal.waitFor(/\$ cat > f$/);
    terminal.type("a");
    terminal.keys("C-a", "C-a");
    terminal.type("b");
    terminal.keys("Enter", "C-d");
    await terminal.waitFor(/\n\$$/);
    terminal.keys("C-a", "x");
    await expectCleanExit(terminal);

    const memory = memoryIo(env);
    expect(await runCli(["cat", `${disk}:/f`], memory.io)).toBe(0);
    expect(memory.stdout()).toBe("a\x01b\n");
  });

  test("opens the monitor and returns to the console", async () => {
    const disk = await freshImage();
    const terminal = await boot(disk);

    terminal.keys("C-a", "c");
    await terminal.waitFor(/xv6ts monitor: .*\n\(xv6ts\)$/);
    terminal.type("ps");
    terminal.keys("Enter");
    const ps = await terminal.waitFor(/\(xv6ts\) ps\n(.*\n){3}\(xv6ts\)$/);
    expect(linesAfter(ps, "(xv6ts) ps").slice(0, 3)).toEqual([
      "  pid  ppid  state           size  name",
      "    1     0  sleeping       12288  init",
      "    2     1  sleeping       36864  sh",
    ]);

    terminal.type("info 2");
    terminal.keys("Enter");
    const info = await terminal.waitFor(/stack guard page\)\n(.*\n)*\(xv6ts\)$/);
    const lines = linesAfter(info, "(xv6ts) info 2");
    expect(lines[0]).toBe("pid 2 (sh), sleeping, 36864 bytes, parent 1");
    expect(lines[3]).toMatch(/^eip 0x[0-9a-f]{8} {2}eflags 0x[0-9a-f]{8}$/);
    expect(lines[4]).toBe("cs 0x001b  ss 0x0023  ds 0x0023  es 0x0023  fs 0x0000  gs 0x0000");

    terminal.type("x 2 0 16");
    terminal.keys("Enter");
    const dump = await terminal.waitFor(/\(xv6ts\) x 2 0 16\n.*\n\(xv6ts\)$/);
    expect(linesAfter(dump, "(xv6ts) x 2 0 16")[0]).toMatch(
      /^00000000 {2}([0-9a-f]{2} ){15}[0-9a-f]{2} {2}\|.{16}\|$/,
    );

    terminal.type("bogus");
    terminal.keys("Enter");
    await terminal.waitFor(/unknown command "bogus"; type help for the list\n\(xv6ts\)$/);

    terminal.keys("C-d");
    terminal.type("echo back");
    terminal.keys("Enter");
    await terminal.waitFor(/\(xv6ts\)\necho back\nback\n\$$/);

    terminal.keys("C-a", "c");
    await terminal.waitFor(/\(xv6ts\)$/);
    terminal.type("quit");
    terminal.keys("Enter");
    await expectCleanExit(terminal);
  });

  test("shuts down cleanly and restores the terminal on SIGTERM", async () => {
    const disk = await freshImage();
    const terminal = await boot(disk);
    const holder = Number(readFileSync(`${disk}.lock`, "utf8").split(" ")[0]);
    process.kill(holder, "SIGTERM");
    const screen = await terminal.waitFor(/EXIT=\d+[\s\S]*\bicanon\b/);
    expect(screen).toMatch(/^EXIT=143$/m);
    expect(screen).toMatch(/(^|\s)icanon(\s|$)/m);
    const memory = memoryIo(env);
    expect(await runCli(["fsck", disk], memory.io)).toBe(0);
  });
});
