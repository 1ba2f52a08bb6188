/**
 * The per-user data directory, where the default disk image lives.
 *
 * It is $XV6TS_HOME when set, else $XDG_DATA_HOME/xv6ts (the XDG base-directory rule, which
 * ignores a relative XDG_DATA_HOME), else ~/.local/share/xv6ts. The default disk is `disk.img`
 * inside it. Tests always point XV6TS_HOME at a temporary folder, so they never touch the
 * user's data.
 */
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import type { CliIo } from "./io";

/** The file name of the default disk inside the data directory. */
export const DEFAULT_DISK_NAME = "disk.img";

/** Returns the data directory for `env`, as an absolute path. */
export function dataDirectory(env: CliIo["env"]): string {
  if (env.XV6TS_HOME) return resolve(env.XV6TS_HOME);
  const xdg = env.XDG_DATA_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, "xv6ts");
  const home = env.HOME || homedir();
  return join(home, ".local", "share", "xv6ts");
}

/** Returns the path of the default disk image for `env`. */
export function defaultDiskPath(env: CliIo["env"]): string {
  return join(dataDirectory(env), DEFAULT_DISK_NAME);
}
