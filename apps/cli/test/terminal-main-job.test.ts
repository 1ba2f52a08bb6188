/**
 * The main job exactly as the README walks through it, in a real pseudo-terminal with the
 * real-time clock. `pnpm start` at the root makes and boots the default disk, `counter &` runs,
 * ctrl-P shows it as pid 4, `checkpoint 4 /c4` saves it, `kill 4` stops it, and ctrl-A x quits.
 * Then `pnpm start` boots again and `restart /c4` carries the count on. The monitor's checkpoint
 * and restart are used on the restarted process too.
 *
 * With a real-time clock the counter keeps printing while the commands are typed, so the number
 * it was saved at is known only within a window: at least the last number on the screen before
 * `checkpoint` was typed, at most the last number before `kill`. The restarted counter must go on
 * from inside that window, one by one. The exact check runs deterministically in main-job.test.ts.
 */
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { CLI_DIR, temporaryFolder } from "./helpers";
import { TERMINAL_TESTS, TmuxSession } from "./tmux";

const ROOT = resolve(CLI_DIR, "../..");
let folder: ReturnType<typeof temporaryFolder>;
let env: Record<string, string>;
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

/** Returns the numbers of the "counter: N" lines on the screen, in order. */
function counts(screen: string): number[] {
  return [...screen.matchAll(/counter: (\d+)$/gm)].map((match) => Number(match[1]));
}

function lastCount(screen: string): number {
  return Math.max(0, ...counts(screen));
}

/** Runs the README's `pnpm start` at the root (xv6ts on the default disk); waits for the prompt. */
async function bootDefault(): Promise<TmuxSession> {
  session = TmuxSession.start(["pnpm", "start"], { env, cwd: ROOT, width: 100, height: 50 });
  await session.waitFor(/init: starting sh\n\$$/);
  return session;
}

async function quit(terminal: TmuxSession): Promise<void> {
  terminal.keys("C-a", "x");
  const screen = await terminal.waitFor(/^EXIT=\d+$/m);
  expect(screen).toMatch(/^EXIT=0$/m);
  terminal.kill();
  session = null;
}

describe.runIf(TERMINAL_TESTS)("the main job in a terminal", { tags: ["slow"] }, () => {
  test("checkpoint, quit, boot again, restart, and the count carries on", async () => {
    const first = await bootDefault();
    expect(first.screen()).toContain(
      `xv6ts: made the default disk ${join(env.XV6TS_HOME!, "disk.img")}`,
    );

    first.type("counter &");
    first.keys("Enter");
    await first.waitFor(/counter: 3$/m);
    first.keys("C-p");
    await first.waitFor(/^4 sleep {2}counter$/m);

    const lowest = lastCount(first.screen());
    first.type("checkpoint 4 /c4");
    first.keys("Enter");
    // Counter lines may land on the echoed command line; what matters is the prompt after it.
    await first.waitFor(/checkpoint 4 \/c4.*\n(.*\n)*\$/);
    first.type("kill 4");
    first.keys("Enter");
    await first.waitFor(/kill 4.*\n(.*\n)*\$/);
    const highest = lastCount(first.screen());
    expect(counts(first.screen())).toEqual(counts(first.screen()).map((_, i) => i + 1));
    await quit(first);

    const second = await bootDefault();
    expect(second.screen()).not.toContain("made the default disk");
    second.type("restart /c4");
    second.keys("Enter");
    const restarted = await second.waitFor(
      /restart \/c4\n(.*\n)*counter: \d+\n(.*\n)*counter: \d+$/,
    );
    const carried = counts(restarted);
    expect(carried[0]! - 1).toBeGreaterThanOrEqual(lowest);
    expect(carried[0]! - 1).toBeLessThanOrEqual(highest);
    expect(carried).toEqual(carried.map((_, i) => carried[0]! + i));

    second.keys("C-a", "c");
    await second.waitFor(/\(xv6ts\)$/);
    second.type("checkpoint 3 /m3");
    second.keys("Enter");
    await second.waitFor(/saved pid 3 to \/m3 \(\d+ bytes\)\n\(xv6ts\)$/);
    second.type("restart /m3");
    second.keys("Enter");
    const started = await second.waitFor(/restarted \/m3 as pid \d+\n\(xv6ts\)$/);
    const newPid = Number(/restarted \/m3 as pid (\d+)/.exec(started)![1]);
    second.type("ps");
    second.keys("Enter");
    const ps = await second.waitFor(/\(xv6ts\) ps\n(.*\n)+\(xv6ts\)$/);
    expect(ps).toMatch(/^ {4}3 {5}2 {2}sleeping +\d+ {2}counter$/m);
    expect(ps).toMatch(new RegExp(`^ +${newPid} {5}1 {2}\\w+ +\\d+ {2}counter$`, "m"));
    await quit(second);
  });
});
