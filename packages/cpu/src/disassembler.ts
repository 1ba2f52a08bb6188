/** Placeholder replaced below. */
import type { CodeFetcher } from "./code-fetch.ts";
import type { CpuCore } from "./core.ts";
import type { InstructionCache } from "./instruction-cache.ts";

export function formatTraceLine(
  core: CpuCore,
  _fetcher: CodeFetcher,
  _cache: InstructionCache,
): string {
  return `${(core.eip >>> 0).toString(16)}`;
}
