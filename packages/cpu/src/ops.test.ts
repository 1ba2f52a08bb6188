import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { OP_NAMES } from "./ops.ts";

const sourceDirectory = new URL("./", import.meta.url);
const executorFiles = readdirSync(sourceDirectory).filter(
  (name) => name.startsWith("execute") && name.endsWith(".ts") && !name.endsWith(".test.ts"),
);

/** Lists every `case N: // NAME` label of the executors as [number, name, file]. */
function caseLabels(): [number, string, string][] {
  const labels: [number, string, string][] = [];
  for (const file of executorFiles) {
    const text = readFileSync(new URL(file, sourceDirectory), "utf8");
    for (const match of text.matchAll(/case (\d+): \{?\s*\/\/ (\w+)/g)) {
      labels.push([Number(match[1]), match[2]!, file]);
    }
  }
  return labels;
}

describe("handler numbers", () => {
  test("every case label names its handler", () => {
    const wrong = caseLabels().filter(([number, name]) => OP_NAMES[number] !== name);
    expect(wrong).toEqual([]);
  });

  test("every handler has exactly one case label", () => {
    const counts = new Map<string, number>();
    for (const [, name] of caseLabels()) counts.set(name, (counts.get(name) ?? 0) + 1);
    const missing = OP_NAMES.filter((name) => counts.get(name) !== 1);
    expect(missing).toEqual([]);
  });
});
