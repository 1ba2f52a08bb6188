/**
 * @xv6ts/cli: the xv6ts command.
 */
import { Command } from "commander";

export const VERSION = "0.1.0";

/** Builds the command-line parser of xv6ts. */
export function createProgram(): Command {
  return new Command("xv6ts")
    .description(
      "Boot xv6ts, the x86 xv6 teaching system in TypeScript, and manage its disk images",
    )
    .version(VERSION);
}
