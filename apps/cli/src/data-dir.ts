/**
 * The per-user data directory, where the default disk image lives.
 *
 * It is $XV6TS_HOME when set (relative to the working directory), else $XDG_DATA_HOME/xv6ts (the XDG base-directory rule, which
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

/**
 * Returns the directory the user ran xv6ts from when `pnpm start` runs it elsewhere, or null.
 * pnpm runs this package's start script in its own folder (apps/cli) and keeps the user's
 * directory in INIT_CWD, so relative paths (XV6TS_HOME, --disk, cp's host files) must be
 * resolved there.
 */
export function invocationDirectory(env: CliIo["env"]): string | null {
  if (env.npm_lifecycle_event !== "start" || env.npm_package_name !== "@xv6ts/cli") return null;
  const directory = env.INIT_CWD;
  return directory && isAbsolute(directory) ? directory : null;
}

/** Returns the path of the default disk image for `env`. */
export function defaultDiskPath(env: CliIo["env"]): string {
  return join(dataDirectory(env), DEFAULT_DISK_NAME);
}
