/**
 * The checkpoint image tools: `xv6ts image inspect`, `migrate`, `export` and `import`.
 *
 * A checkpoint image is a file on an xv6ts disk, written by the `checkpoint` system call (or the
 * monitor). These commands read and copy such files from the host, with the disks under their
 * locks, so a disk that a running xv6ts uses is rejected as in use. Decoding, validation and the
 * tear-free write belong to @xv6ts/checkpoint: a copy is checked (format version and every
 * checksum) before it is written, and it is written so that a crash leaves the old file or the
 * whole new one.
 *
 * Migration copies an image from one disk to another (`migrate`), or through a host file
 * (`export`, then `import`), after which `restart` of that path on the other disk carries on.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import {
  copyImage,
  decodeImage,
  describeImage,
  type ImageSummary,
  inspectImage,
  parseImage,
  writeImageFile,
} from "@xv6ts/checkpoint";
import type { Command } from "commander";
import { closeFileSystem, mountDisk, openDisk, withFileSystem } from "./disk";
import { CliError, describeHostError } from "./errors";
import { hostDestination, imageDestination, requireImagePath } from "./image-commands";
import { formatImagePath, type ImagePath, lastElement, parseImagePath } from "./image-path";
import { type CliIo, colorsFor } from "./io";
import { describePages } from "./monitor";
import type { ActionResult } from "./program";

/** Adds the `image` subcommands to `image`. */
export function addImageCommands(image: Command, io: CliIo, _result: ActionResult): void {
  image
    .command("inspect")
    .description(
      "describe a checkpoint image: process, registers, memory map, descriptors, format version, checksums",
    )
    .argument(
      "<image>",
      "image file on a disk, like disk.img:/c4, or a host file that image export wrote",
    )
    .option("--json", "print the summary as JSON")
    .action((argument: string, options: { json?: boolean }) =>
      inspectCommand(io, argument, options.json === true),
    );

  image
    .command("migrate")
    .description(
      "copy a checkpoint image to another disk (checked first, written without tearing); restart it there",
    )
    .argument("<src>", "image file on a disk, like a.img:/c4")
    .argument("<dst>", "where to put it, like b.img:/c4; a directory keeps the name")
    .action((source: string, destination: string) => migrateCommand(io, source, destination));

  image
    .command("export")
    .description("copy a checkpoint image out of a disk into a host file, after checking it")
    .argument("<src>", "image file on a disk, like disk.img:/c4")
    .argument("<file>", "host file or folder")
    .action((source: string, file: string) => exportCommand(io, source, file));

  image
    .command("import")
    .description("copy a checkpoint image from a host file onto a disk, after checking it")
    .argument("<file>", "host file holding an image")
    .argument("<dst>", "where to put it, like disk.img:/c4; a directory keeps the name")
    .action((file: string, destination: string) => importCommand(io, file, destination));
}

/** xv6ts image inspect: prints the summary; raises a CliError for a damaged image. */
export function inspectCommand(io: CliIo, argument: string, json: boolean): void {
  const target = parseImagePath(argument);
  const summary = target === null ? inspectHostFile(argument) : inspectOnDisk(io, target);
  const name = target === null ? argument : formatImagePath(target);
  if (json) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else io.stdout.write(formatInspection(io, name, summary));
  if (!summary.checksums.ok) {
    throw new CliError(
      `the checksums of ${name} do not match (${summary.checksums.problems[0]}), so the image is damaged and restart rejects it`,
    );
  }
}

function inspectOnDisk(io: CliIo, target: ImagePath): ImageSummary {
  const inspected = withFileSystem(
    target.disk,
    { readOnly: true, command: "xv6ts image inspect", io },
    (fs) => inspectImage(fs, target.path),
  );
  if (!inspected.ok) throw notAnImage(target, inspected.reason);
  return inspected.summary;
}

/** Describes a checkpoint image in a host file, such as one `image export` wrote. */
function inspectHostFile(file: string): ImageSummary {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (error) {
    throw describeHostError(error, "read", file);
  }
  const parsed = parseImage(bytes);
  if (!parsed.ok) {
    throw new CliError(
      `cannot read the checkpoint image ${file}: ${parsed.reason}; to inspect an image inside a disk image, write DISK:/PATH, like ${file}:/c4`,
    );
  }
  return describeImage(parsed.image, parsed.checksums);
}

/** Drops the "path: " that the checkpoint package's reasons start with; the message has it. */
function withoutPath(reason: string, path: string): string {
  return reason.startsWith(`${path}: `) ? reason.slice(path.length + 2) : reason;
}

function notAnImage(target: ImagePath, reason: string): CliError {
  return new CliError(
    `cannot read the checkpoint image ${formatImagePath(target)}: ${withoutPath(reason, target.path)}`,
  );
}

const hex = (value: number, digits = 8) => `0x${(value >>> 0).toString(16).padStart(digits, "0")}`;

/** Formats a summary for people: every fact of the image, one topic per block. */
export function formatInspection(io: CliIo, name: string, summary: ImageSummary): string {
  const colors = colorsFor(io.stdout, io.env);
  const r = summary.registers;
  const checksums = summary.checksums.ok
    ? colors.green("ok")
    : colors.red(`BAD: ${summary.checksums.problems.join("; ")}`);
  const sleep =
    summary.sleepTicksRemaining > 0 ? `, ${summary.sleepTicksRemaining} ticks of sleep left` : "";
  const lines = [
    `${colors.bold(name)}: checkpoint image, format version ${summary.format}, checksums ${checksums}`,
    `process: ${summary.name}, pid ${summary.pid}, parent ${summary.parentPid}, ${summary.sz} bytes of memory`,
    `state: ${summary.state}${sleep}; uptime ${summary.uptime} ticks when saved`,
    "registers:",
    `  eax ${hex(r.eax)}  ecx ${hex(r.ecx)}  edx ${hex(r.edx)}  ebx ${hex(r.ebx)}`,
    `  esp ${hex(r.esp)}  ebp ${hex(r.ebp)}  esi ${hex(r.esi)}  edi ${hex(r.edi)}`,
    `  eip ${hex(r.eip)}  eflags ${hex(r.eflags)}`,
    `  cs ${hex(r.cs, 4)}  ss ${hex(r.ss, 4)}  ds ${hex(r.ds, 4)}  es ${hex(r.es, 4)}  fs ${hex(r.fs, 4)}  gs ${hex(r.gs, 4)}`,
    `memory map: ${summary.pages.present} present pages, ${summary.pages.zero} of them zero (flags P present, W writable, U user):`,
    ...describePages(summary.memoryMap),
    `working directory: ${summary.cwd.path} (inode ${summary.cwd.inum})`,
    `descriptors: ${summary.descriptors.length === 0 ? "none" : ""}`.trimEnd(),
    ...summary.descriptors.map((descriptor) => `  ${formatDescriptor(descriptor)}`),
  ];
  if (summary.skipped.length > 0) {
    const kinds = summary.skipped.map((record) => record.kind).join(", ");
    lines.push(`skipped records of kinds this version does not know: ${kinds}`);
  }
  return `${lines.join("\n")}\n`;
}

function formatDescriptor(descriptor: ImageSummary["descriptors"][number]): string {
  const { fd, kind } = descriptor;
  if (kind === "pipe-read" || kind === "pipe-write") {
    return `fd ${fd}: pipe ${kind === "pipe-read" ? "read" : "write"} end (closed on restart)`;
  }
  if (descriptor.sharesWith !== null)
    return `fd ${fd}: the same open file as fd ${descriptor.sharesWith}`;
  const mode =
    descriptor.readable && descriptor.writable
      ? "read/write"
      : descriptor.readable
        ? "read"
        : "write";
  if (kind === "device") {
    return `fd ${fd}: device ${descriptor.major}/${descriptor.minor} ${descriptor.path ?? ""}, ${mode}`;
  }
  return `fd ${fd}: ${kind} ${descriptor.path ?? ""} (inode ${descriptor.inum}), ${mode}, offset ${descriptor.offset}`;
}

/** xv6ts image migrate: copies an image from one disk to another, checked and tear-free. */
export function migrateCommand(io: CliIo, source: string, destination: string): void {
  const from = requireImagePath(source, "the checkpoint image");
  const to = requireImagePath(destination, "the destination");
  copyBetween(io, from, to, "xv6ts image migrate");
}

/** Copies with both disks locked; a single disk is mounted once and serves both sides. */
function copyBetween(io: CliIo, from: ImagePath, to: ImagePath, command: string): void {
  const sourceDisk = openDisk(from.disk, { readOnly: false, command, io });
  const targetDisk = openDisk(to.disk, { readOnly: false, command, io });
  const sameDisk = sourceDisk.lock === targetDisk.lock;
  try {
    const target = mountDisk(targetDisk.device, to.disk, { readOnly: false });
    const sourceFs = sameDisk
      ? target
      : mountDisk(sourceDisk.device, from.disk, { readOnly: true });
    try {
      const path = imageDestination(target, to, lastElement(from.path));
      const copied = copyImage(sourceFs, from.path, target, path);
      if (!copied.ok) throw copyError(from, to, copied.reason);
      io.stdout.write(
        `copied ${formatImagePath(from)} to ${formatImagePath({ disk: to.disk, path })}; "restart ${path}" there carries on the process\n`,
      );
    } finally {
      closeFileSystem(target);
      if (!sameDisk) closeFileSystem(sourceFs);
    }
  } finally {
    targetDisk.close();
    sourceDisk.close();
  }
}

function copyError(from: ImagePath, to: ImagePath, reason: string): CliError {
  return new CliError(
    `cannot copy the checkpoint image ${formatImagePath(from)} to ${formatImagePath(to)}: ${withoutPath(reason, from.path)}`,
  );
}

/** xv6ts image export: writes a checked image from a disk into a host file. */
export function exportCommand(io: CliIo, source: string, file: string): void {
  const from = requireImagePath(source, "the checkpoint image");
  const bytes = withFileSystem(
    from.disk,
    { readOnly: true, command: "xv6ts image export", io },
    (fs) => {
      const read = fs.readFile(from.path);
      if (!read.ok) throw notAnImage(from, read.reason);
      return read.value;
    },
  );
  const decoded = decodeImage(bytes);
  if (!decoded.ok)
    throw new CliError(
      `${formatImagePath(from)} is not a valid checkpoint image: ${decoded.reason}`,
    );

  const path = hostDestination(file, lastElement(from.path));
  try {
    writeFileSync(path, bytes);
  } catch (error) {
    throw describeHostError(error, "write", path);
  }
  io.stdout.write(`exported ${formatImagePath(from)} to ${path} (${bytes.length} bytes)\n`);
}

/** xv6ts image import: writes a checked image from a host file onto a disk, tear-free. */
export function importCommand(io: CliIo, file: string, destination: string): void {
  const to = requireImagePath(destination, "the destination");
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (error) {
    throw describeHostError(error, "read", file);
  }
  const decoded = decodeImage(bytes);
  if (!decoded.ok) throw new CliError(`${file} is not a valid checkpoint image: ${decoded.reason}`);

  withFileSystem(to.disk, { readOnly: false, command: "xv6ts image import", io }, (fs) => {
    const path = imageDestination(fs, to, basename(file));
    const written = writeImageFile(fs, { path }, bytes, "import");
    if (!written.ok) {
      throw new CliError(
        `cannot write the checkpoint image to ${formatImagePath({ disk: to.disk, path })}: ${written.reason}`,
      );
    }
    io.stdout.write(
      `imported ${file} to ${formatImagePath({ disk: to.disk, path })}; "restart ${path}" there carries on the process\n`,
    );
  });
}
