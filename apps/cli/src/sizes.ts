/**
 * Sizes and durations as users type them on the command line.
 *
 * A size is a whole number of bytes with an optional binary unit: K or KiB (1024), M or MiB
 * (1024^2), G or GiB (1024^3), case-insensitive, so `64M`, `1G`, `512K` and `4096` all parse.
 * Decimal units (KB, MB) are rejected rather than guessed. A duration is milliseconds with an
 * optional unit: `500`, `500ms`, `2s`, `1.5s`, `1m`.
 *
 * Every parser raises a CliError whose sentence names the option, the value and a valid example.
 */
import { CliError } from "./errors";

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: KiB,
  kib: KiB,
  m: MiB,
  mib: MiB,
  g: GiB,
  gib: GiB,
};

/** Parses a size such as `64M`; raises a CliError naming `option` for anything else. */
export function parseSize(text: string, option: string): number {
  const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new CliError(
      `invalid size "${text}" for ${option}; use bytes or a whole number with K, M or G (binary units), like 64M`,
    );
  }
  const bytes = Number(match[1]) * unit;
  if (!Number.isSafeInteger(bytes)) {
    throw new CliError(
      `the size "${text}" for ${option} is too large; use a smaller one, like 64M`,
    );
  }
  return bytes;
}

/** Formats a byte count with the largest binary unit that divides it, like "64 MiB" or "1536 B". */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [
    ["GiB", GiB],
    ["MiB", MiB],
    ["KiB", KiB],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor} ${unit}`;
  }
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  if (bytes >= KiB) return `${(bytes / KiB).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** Formats a byte count as a value for a size option, like "8G", "32128M" or "201K". */
export function formatSizeOption(bytes: number): string {
  for (const [unit, factor] of [
    ["G", GiB],
    ["M", MiB],
    ["K", KiB],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}

/** The physical memory rules of --mem: whole 4 MiB page tables, from 8 MiB to 256 MiB. */
export const MEMORY = {
  default: 224 * MiB,
  min: 8 * MiB,
  max: 256 * MiB,
  step: 4 * MiB,
} as const;

/** Parses --mem and checks it against MEMORY; raises a CliError that states the rule. */
export function parseMemorySize(text: string): number {
  let bytes = Number.NaN;
  try {
    bytes = parseSize(text, "--mem");
  } catch {
    // Not a size at all, so the error below states the rule.
  }
  const fits = bytes >= MEMORY.min && bytes <= MEMORY.max && bytes % MEMORY.step === 0;
  if (!fits) {
    throw new CliError(
      `invalid memory size "${text}" for --mem; use a multiple of 4M from 8M to 256M, like 224M (the default)`,
    );
  }
  return bytes;
}

/**
 * The longest duration a Node timer keeps: 2^31 - 1 ms. Node fires a longer setTimeout after
 * 1 ms, with a TimeoutOverflowWarning.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;

const DURATION_UNITS: Record<string, number> = { "": 1, ms: 1, s: 1000, m: 60_000 };

/** Parses a duration such as `500ms` or `2s` into milliseconds. */
export function parseDuration(text: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? DURATION_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new CliError(
      `invalid duration "${text}" for ${option}; use milliseconds or a number with ms, s or m, like 500ms or 2s`,
    );
  }
  const ms = Math.round(Number(match[1]) * unit);
  if (ms > MAX_DURATION_MS) {
    throw new CliError(
      `the duration "${text}" for ${option} is too long; use at most ${MAX_DURATION_MS} ms (about 24.8 days, the longest timer Node keeps), like 60s`,
    );
  }
  return ms;
}

/** Formats milliseconds as the shortest exact form: "500 ms", "2 s", "1.5 s". */
export function formatDuration(ms: number): string {
  return ms >= 1000 && ms % 100 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
