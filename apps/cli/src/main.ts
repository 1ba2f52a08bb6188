#!/usr/bin/env node
/**
 * The `xv6ts` bin: runs the command line with the real process's streams and exits with the
 * code runCli returns, once standard output has taken everything written to it. Under
 * `pnpm start` it first moves to the directory the user ran pnpm from, so that relative paths
 * mean what the user expects.
 */
import { invocationDirectory } from "./data-dir";
import { runCli } from "./index";

const userDirectory = invocationDirectory(process.env);
if (userDirectory !== null) {
  try {
    process.chdir(userDirectory);
  } catch {
    process.stderr.write(
      `xv6ts: cannot change to ${userDirectory} (INIT_CWD), so relative paths are relative to ${process.cwd()}\n`,
    );
  }
}

const code = await runCli(process.argv.slice(2));
process.stdout.write("", () => process.exit(code));
