/**
 * The public declarations must read in TypeScript before 5.7, where typed arrays took a type
 * parameter (Uint8Array<ArrayBuffer>). The test emits the declaration files of src/index.ts
 * with the compiler, as the build does, and looks for a generic typed-array type in them.
 */
import { join } from "node:path";
import ts from "typescript";
import { expect, test } from "vitest";

const TYPED_ARRAY_GENERIC =
  /\b(?:Uint8|Uint8Clamped|Int8|Uint16|Int16|Uint32|Int32|Float32|Float64|BigInt64|BigUint64)Array</;

test("declarations use no generic typed-array type", { tags: ["slow"] }, () => {
  const root = join(import.meta.dirname, "..");
  const config = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    sourceMap: false,
    declarationMap: false,
    allowImportingTsExtensions: false,
  };
  const program = ts.createProgram([join(root, "src", "index.ts")], options);
  const declarations = new Map<string, string>();
  const result = program.emit(undefined, (file, text) => {
    if (file.endsWith(".d.ts")) declarations.set(file.slice(root.length + 1), text);
  });
  expect(
    result.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")),
  ).toEqual([]);
  expect(declarations.has("src/index.d.ts")).toBe(true);
  const generic = [...declarations]
    .flatMap(([file, text]) => text.split("\n").map((line) => `${file}: ${line.trim()}`))
    .filter((line) => TYPED_ARRAY_GENERIC.test(line));
  expect(generic).toEqual([]);
});
