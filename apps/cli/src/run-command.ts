import { CliError } from "./errors";
import type { CliIo } from "./io";
import type { RunCommandOptions } from "./program";

export async function runCommand(_io: CliIo, _options: RunCommandOptions): Promise<number> {
  throw new CliError("not built yet");
}
