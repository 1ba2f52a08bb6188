import type { Command } from "commander";
import type { CliIo } from "./io";
import type { ActionResult } from "./program";

export function addImageCommands(_image: Command, _io: CliIo, _result: ActionResult): void {}
