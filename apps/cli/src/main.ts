#!/usr/bin/env node
/**
 * The `xv6ts` bin: runs the command line with the real process's streams and exits with the
 * code runCli returns, once standard output has taken everything written to it.
 */
import { runCli } from "./index";

const code = await runCli(process.argv.slice(2));
process.stdout.write("", () => process.exit(code));
