#!/usr/bin/env node
import { createProgram } from "./index";

const program = createProgram();
// NOTE: booting is not wired in yet, so the bare command prints the help.
program.action(() => program.help());
await program.parseAsync(process.argv);
