/**
 * A private tmux server for terminal tests: xv6ts runs in a real pseudo-terminal, keys are sent
 * with send-keys, and the screen is read with capture-pane. Each session starts its own server
 * (tmux -L with a name no other test uses) and kills only that server.
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";

let sessions = 0;

/**
 * Whether terminal tests run: when tmux is installed, and always under CI (CI set), where a
 * missing tmux must fail the tests rather than skip them.
 */
export const TERMINAL_TESTS =
  process.env.CI !== undefined || spawnSync("tmux", ["-V"]).status === 0;

/** Quotes a word for sh. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

export class TmuxSession {
  /** The server's socket file, which kill-server leaves behind. */
  private socketPath = "";

  private constructor(private readonly socket: string) {}

  /**
   * Runs `command` in a new terminal of `width` x `height`. When the command exits, the shell
   * prints "EXIT=<status>" and the terminal's settings (stty -a), then waits, so the test can
   * read both.
   */
  static start(
    command: string[],
    options: { env: Record<string, string>; cwd: string; width?: number; height?: number },
  ): TmuxSession {
    const socket = `xv6ts-test-${process.pid}-${++sessions}`;
    const script = `${command.map(shellQuote).join(" ")}; echo "EXIT=$?"; stty -a; sleep 600`;
    const session = new TmuxSession(socket);
    session.tmux(
      [
        "new-session",
        "-d",
        "-s",
        "main",
        "-x",
        String(options.width ?? 120),
        "-y",
        String(options.height ?? 40),
        "-c",
        options.cwd,
        script,
      ],
      {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/tmp",
        TERM: "xterm",
        ...options.env,
      },
    );
    session.tmux(["set-option", "-t", "main", "history-limit", "10000"]);
    session.socketPath = session.tmux(["display-message", "-p", "#{socket_path}"]).trim();
    return session;
  }

  private tmux(args: string[], env?: Record<string, string>): string {
    const result = spawnSync("tmux", ["-L", this.socket, ...args], {
      encoding: "utf8",
      env: env ?? { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    if (result.status !== 0) {
      throw new Error(`tmux ${args[0]} failed with status ${result.status}: ${result.stderr}`);
    }
    return result.stdout;
  }

  /** Sends tmux key names (C-a, BSpace, Enter) or words, each as one send-keys call. */
  keys(...keys: string[]): void {
    for (const key of keys) this.tmux(["send-keys", "-t", "main", key]);
  }

  /** Types text literally, every character as it is. */
  type(text: string): void {
    this.tmux(["send-keys", "-t", "main", "-l", text]);
  }

  /**
   * Returns the whole screen and its history with wrapped lines joined. tmux does not keep the
   * spaces at the end of a line, so they are removed everywhere: a prompt "$ " reads "$".
   */
  screen(): string {
    const text = this.tmux(["capture-pane", "-t", "main", "-p", "-J", "-S", "-"]);
    return text
      .split("\n")
      .map((line) => line.trimEnd())
      .join("\n")
      .replace(/\n+$/, "");
  }

  /**
   * Waits until the screen matches `pattern`, and returns the screen. Raises an error with the
   * screen when it does not within `timeoutMs` (a safety net for a hung run, not a timing check).
   */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) {
        throw new Error(`the screen never matched ${pattern}; it shows:\n${screen}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Kills this session's tmux server, and with it the processes in its terminal. */
  kill(): void {
    spawnSync("tmux", ["-L", this.socket, "kill-server"]);
    if (this.socketPath !== "") rmSync(this.socketPath, { force: true });
  }
}
