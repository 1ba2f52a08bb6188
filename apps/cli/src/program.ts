/**
 * The command-line structure of `xv6ts`, built on commander.
 *
 *   xv6ts [run]            boot xv6ts in this terminal, or run a script (script mode)
 *   xv6ts mkfs|fsck|ls|cat|cp|rm|mkdir ...           disk image tools
 *   xv6ts image inspect|migrate|export|import ...     checkpoint image tools
 *
 * Every option's help states its unit and default. The actions live in their own modules; this
 * file only parses. Parsing errors are commander's (exit 2); commander's own exit is turned
 * into a thrown CommanderError by exitOverride, so runCli (index.ts) decides every exit code.
 */

import type { MkfsEntry } from "@xv6ts/fs-journal";
import { Command, Option } from "commander";
import { defaultDiskPath } from "./data-dir";
import { DEFAULT_DISK_SIZE, DEFAULT_GEOMETRY, userlandFiles } from "./disk";
import {
  catCommand,
  cpCommand,
  fsckCommand,
  lsCommand,
  mkdirCommand,
  mkfsCommand,
  parseGeometry,
  rmCommand,
} from "./image-commands";
import { describeSizeRange } from "./image-size";
import type { CliIo } from "./io";
import { parseDuration, parseSize } from "./sizes";

export const VERSION = "0.1.0";

/** Settle time and timeout of script mode when not given. */
export const DEFAULT_SETTLE_MS = 500;
export const DEFAULT_TIMEOUT_MS = 60_000;

/** Receives the exit code an action chose (0 unless it sets one). */
export interface ActionResult {
  exitCode: number;
}

/** Runs the `run` command; set by index.ts so that this file does not load the kernel. */
export type RunAction = (io: CliIo, options: RunCommandOptions) => Promise<number>;

/** Options of `xv6ts run`, parsed. */
export interface RunCommandOptions {
  disk?: string;
  size: number;
  /** Whether --size was on the command line (not the default). */
  sizeGiven?: boolean;
  mem: string;
  deterministic?: boolean;
  exec?: string[];
  quietBoot?: boolean;
  settle: number;
  timeout: number;
}

/** Hooks for the commands whose modules load the kernel or the checkpoint package. */
export interface ProgramActions {
  run: RunAction;
  image?: (image: Command, io: CliIo, result: ActionResult) => void;
}

const RUN_HELP = `
In the terminal, ctrl-A is the escape key: ctrl-A x quits (the disk is shut down cleanly),
ctrl-A c opens the host monitor, ctrl-A h lists the escapes, ctrl-A ctrl-A types a ctrl-A.
The clock runs in real time unless --deterministic is given, in script mode too.`;

function exitCodeHelp(env: CliIo["env"]): string {
  return `
Exit codes:
  0      success
  1      a failure you can fix: bad file, missing image, disk in use, bad option value,
         a damaged disk, init exited, standard output that cannot be written
  2      usage error: unknown command or option, missing argument
  3      kernel panic or other internal error (a bug in xv6ts: please report it)
  124    script mode reached its --timeout
  141    standard output was closed (| head); xv6ts run shuts the disk down cleanly first
  128+n  signal n (SIGINT, SIGTERM, SIGHUP) stopped xv6ts run or a copy into an image,
         after a clean shutdown

Paths inside a disk image are written DISK:/PATH, like disk.img:/c3.
The default disk is ${defaultDiskPath(env)}
(set XV6TS_HOME to use another folder). XV6TS_DEBUG=1 adds stack traces to errors.`;
}

/**
 * Raises commander's unknown-command usage error (exit 2) when the first argument is a word that
 * names no command. Without this check a mistyped command such as `xv6ts fsk a.img` would reach
 * `run`, the default command, as operands, and fail with "too many arguments for 'run'". An
 * argument list that starts with an option still runs `run`.
 */
export function rejectUnknownCommand(program: Command, args: string[]): void {
  const word = args[0];
  if (word === undefined || word.startsWith("-")) return;
  const names = program.commands.flatMap((command) => [command.name(), ...command.aliases()]);
  if (word === "help" || names.includes(word)) return;

  const image = program.commands.find((command) => command.name() === "image");
  const imageNames = image?.commands.map((command) => command.name()) ?? [];
  const suggestion = imageNames.includes(word)
    ? `image ${word}`
    : closestName(word, [...names, "help"]);
  const hint = suggestion === null ? "" : `\n(Did you mean ${suggestion}?)`;
  program.error(`error: unknown command '${word}'${hint}`, {
    exitCode: 2,
    code: "commander.unknownCommand",
  });
}

/** Returns the name at most two edits from `word` (the closest one), or null. */
function closestName(word: string, names: string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const name of names) {
    const distance = editDistance(word, name);
    if (distance < bestDistance && distance < name.length) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Counts the insertions, deletions, substitutions and swaps of neighbouring letters that turn
 * `a` into `b` (the optimal string alignment distance).
 */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 0; i <= a.length; i++) rows[i]![0] = i;
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(
        rows[i - 1]![j]! + 1,
        rows[i]![j - 1]! + 1,
        rows[i - 1]![j - 1]! + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = distance;
    }
  }
  return rows[a.length]![b.length]!;
}

/** Describes the sizes mkfs accepts, asking mkfs itself (image-size.ts). */
function mkfsSizeHelp(): string {
  let files: MkfsEntry[] = [];
  try {
    files = userlandFiles();
  } catch {
    // Without the programs the help states the range of bare images.
  }
  const contents = files.length > 0 ? "with the userland programs" : "for a bare file system";
  return `${describeSizeRange(files)} (${contents}; --empty needs less)`;
}

function sizeOption(option: string) {
  return (value: string) => parseSize(value, option);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Builds the command-line parser; actions write to `io` and set `result.exitCode`. */
export function createProgram(io: CliIo, actions: ProgramActions, result: ActionResult): Command {
  const program = new Command("xv6ts")
    .description(
      "Boot xv6ts, the x86 xv6 teaching system rebuilt in TypeScript, and manage its disk and checkpoint images.",
    )
    .version(VERSION, "-V, --version", "print the version of xv6ts")
    .helpOption("-h, --help", "show help for a command")
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .addHelpText("after", exitCodeHelp(io.env));

  addRunCommand(program, io, actions.run, result);
  program.commandsGroup("Disk image tools:");
  addImageTools(program, io);
  program.commandsGroup("Checkpoint image tools:");
  if (actions.image) {
    const image = program
      .command("image")
      .description("inspect checkpoint images and move them between disks");
    actions.image(image, io, result);
  }
  return program;
}

function addRunCommand(program: Command, io: CliIo, run: RunAction, result: ActionResult): void {
  program
    .command("run", { isDefault: true })
    .description(
      "boot xv6ts in this terminal (the default command); ctrl-A h lists the escape keys. With --exec, or lines on a standard input that is not a terminal, run them as a script",
    )
    .option(
      "--disk <file>",
      "disk image to boot (default: disk.img in the data folder, made on first use)",
    )
    .addOption(
      new Option(
        "--size <size>",
        "size of the default disk when it is first made, in bytes or with K, M or G",
      )
        .default(DEFAULT_DISK_SIZE, "64M")
        .argParser(sizeOption("--size")),
    )
    .addOption(
      new Option("--mem <size>", "physical memory: a multiple of 4M from 8M to 256M").default(
        "224M",
        "224M, as real xv6",
      ),
    )
    .option(
      "--deterministic",
      "count clock ticks in instructions (1,000,000 each) instead of wall time, so a run repeats exactly",
    )
    .option(
      "--exec <line>",
      "script mode: type this line into sh when it next reads the console; repeat for more lines",
      collect,
    )
    .option("--quiet-boot", "script mode: leave out the boot lines")
    .addOption(
      new Option(
        "--settle <duration>",
        "script mode: once the script is used up and sh waits, exit after this long without console output (ms, or with ms, s or m)",
      )
        .default(DEFAULT_SETTLE_MS, "500ms")
        .argParser((value) => parseDuration(value, "--settle")),
    )
    .addOption(
      new Option(
        "--timeout <duration>",
        "script mode: stop after this long in all and exit with status 124 (ms, or with ms, s or m)",
      )
        .default(DEFAULT_TIMEOUT_MS, "60s")
        .argParser((value) => parseDuration(value, "--timeout")),
    )
    .addHelpText("after", `${RUN_HELP}\n${exitCodeHelp(io.env)}`)
    .action(async (options: RunCommandOptions, command: Command) => {
      const sizeGiven = command.getOptionValueSource("size") === "cli";
      result.exitCode = await run(io, { ...options, sizeGiven });
    });
}

function addImageTools(program: Command, io: CliIo): void {
  program
    .command("mkfs")
    .description("make a disk image: bootable, with the userland programs, unless --empty")
    .argument("<file>", "image file to make")
    .addOption(
      new Option(
        "--geometry <name>",
        "xv6 (512-byte blocks, byte-compatible with real xv6) or extended (4096-byte blocks, large files)",
      )
        .default(DEFAULT_GEOMETRY)
        .argParser(parseGeometry),
    )
    .addOption(
      new Option(
        "--size <size>",
        "image size in bytes or with K, M or G; a multiple of the block size",
      )
        .default(DEFAULT_DISK_SIZE, "64M")
        .argParser(sizeOption("--size")),
    )
    .option("--empty", "make a bare file system without the userland programs (not bootable)")
    .option("--force", "replace an existing file (its contents are lost)")
    .addHelpText("after", () => `\nSizes: ${mkfsSizeHelp()}.`)
    .action((file: string, options) => mkfsCommand(io, file, options));

  program
    .command("fsck")
    .description(
      "check a disk image's structures without changing it; exit 1 when a problem is found",
    )
    .argument("<file>", "image file to check")
    .option("--json", "print the full report as JSON")
    .action((file: string, options) => fsckCommand(io, file, options));

  program
    .command("ls")
    .description("list a directory inside a disk image: type, inode, links, size in bytes, name")
    .argument("<disk[:/path]>", "image file, and optionally a path inside it (default: the root)")
    .action((argument: string) => lsCommand(io, argument));

  program
    .command("cat")
    .description("write files from a disk image to standard output")
    .argument("<disk:/path...>", "files inside an image")
    .action((argumentList: string[]) => catCommand(io, argumentList));

  program
    .command("cp")
    .description(
      "copy a file from the host into an image, out of an image, or between images; a directory as DST receives the file under its own name",
    )
    .argument("<src>", "host file, or DISK:/PATH")
    .argument("<dst>", "host file or folder, or DISK:/PATH")
    .action((source: string, destination: string) => cpCommand(io, source, destination));

  program
    .command("rm")
    .description("remove files or empty directories from a disk image")
    .argument("<disk:/path...>", "paths inside an image")
    .option("-r, --recursive", "remove directories and everything in them")
    .action((argumentList: string[], options) => rmCommand(io, argumentList, options));

  program
    .command("mkdir")
    .description("make directories in a disk image")
    .argument("<disk:/path...>", "directories to make inside an image")
    .option("-p, --parents", "make missing parent directories too, and accept existing ones")
    .action((argumentList: string[], options) => mkdirCommand(io, argumentList, options));
}
