// Validates every vectors/*.json file against the vector format and prints case counts.
//
// Usage: node check-vectors.mjs [--quiet]   (from any folder; exits 1 on the first bad file)
//
// A file is { generator: string, groups: [{ name, cases: [case] }] }. Each case has:
//   bytes        hex of one instruction, 1 to 15 bytes
//   before       eax ecx edx ebx esp ebp esi edi eflags, unsigned 32-bit (missing ones are 0)
//   after        the same nine plus eip, all present
//   memoryBefore / memoryAfter   optional [{ address, hex }] inside 0x2000-0x3fff
//   flagsMask    unsigned 32-bit
//   trap         optional fault vector 0-31; then after equals before with eip 0x1000
// The layout: instruction at 0x1000, data page 0x2000-0x2fff, stack page 0x3000-0x3fff.

import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const REGISTERS = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eflags"];
const CODE_ADDRESS = 0x1000;
const DATA_PAGE = 0x2000;
const LAYOUT_END = 0x4000;
const STACK_PAGE = 0x3000;
const MAX_INSTRUCTION_BYTES = 15;

class VectorFormatError extends Error {}

function fail(where, reason) {
  throw new VectorFormatError(`${where}: ${reason}`);
}

function checkU32(where, value) {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    fail(where, `expected an unsigned 32-bit integer, got ${JSON.stringify(value)}`);
  }
}

function checkHex(where, text, minBytes, maxBytes) {
  if (typeof text !== "string" || !/^([0-9a-f]{2})*$/.test(text)) {
    fail(where, `expected lowercase hex of whole bytes, got ${JSON.stringify(text)}`);
  }
  const length = text.length / 2;
  if (length < minBytes || length > maxBytes) {
    fail(where, `expected ${minBytes} to ${maxBytes} bytes, got ${length}`);
  }
}

function checkState(where, state, withEip) {
  if (state === null || typeof state !== "object") fail(where, "missing");
  const names = withEip ? [...REGISTERS, "eip"] : REGISTERS;
  for (const key of Object.keys(state)) {
    if (!names.includes(key)) fail(where, `unknown field ${key}`);
  }
  for (const name of names) {
    if (withEip || name in state) checkU32(`${where}.${name}`, state[name]);
  }
}

function checkMemory(where, regions) {
  if (regions === undefined) return;
  if (!Array.isArray(regions)) fail(where, "expected an array of { address, hex }");
  regions.forEach((region, index) => {
    const at = `${where}[${index}]`;
    checkU32(`${at}.address`, region.address);
    checkHex(`${at}.hex`, region.hex, 1, LAYOUT_END - DATA_PAGE);
    const end = region.address + region.hex.length / 2;
    if (region.address < DATA_PAGE || end > LAYOUT_END) {
      fail(at, `bytes ${region.address}..${end - 1} lie outside the data and stack pages`);
    }
  });
}

function checkTrap(where, vector) {
  checkU32(`${where}.trap`, vector.trap);
  if (vector.trap > 31) fail(`${where}.trap`, `expected an exception vector 0-31`);
  for (const name of REGISTERS) {
    if ((vector.before[name] ?? 0) !== vector.after[name]) {
      fail(where, `a faulting case must leave ${name} unchanged`);
    }
  }
  if (vector.after.eip !== CODE_ADDRESS) fail(where, "a faulting case must end with eip 0x1000");
  if (JSON.stringify(vector.memoryBefore) !== JSON.stringify(vector.memoryAfter)) {
    fail(where, "a faulting case must leave memory unchanged");
  }
}

function checkCase(where, vector) {
  checkHex(`${where}.bytes`, vector.bytes, 1, MAX_INSTRUCTION_BYTES);
  checkState(`${where}.before`, vector.before, false);
  checkState(`${where}.after`, vector.after, true);
  const esp = vector.before.esp ?? 0;
  if (esp < STACK_PAGE || esp > LAYOUT_END) {
    fail(`${where}.before.esp`, "must point into the stack page");
  }
  checkMemory(`${where}.memoryBefore`, vector.memoryBefore);
  checkMemory(`${where}.memoryAfter`, vector.memoryAfter);
  checkU32(`${where}.flagsMask`, vector.flagsMask);
  if ("trap" in vector) checkTrap(where, vector);
  const known = ["bytes", "before", "memoryBefore", "after", "memoryAfter", "flagsMask", "trap"];
  for (const key of Object.keys(vector)) {
    if (!known.includes(key)) fail(where, `unknown field ${key}`);
  }
}

// Checks one file and returns [group name, case count] pairs.
function checkFile(path) {
  const where = basename(path);
  const content = JSON.parse(readFileSync(path, "utf8"));
  if (typeof content.generator !== "string" || content.generator === "") {
    fail(where, "missing the generator description");
  }
  if (!Array.isArray(content.groups) || content.groups.length === 0) fail(where, "no groups");
  const names = new Set();
  return content.groups.map((group, groupIndex) => {
    const at = `${where} group ${groupIndex}`;
    if (typeof group.name !== "string" || group.name === "") fail(at, "missing name");
    if (names.has(group.name)) fail(at, `duplicate group name ${group.name}`);
    names.add(group.name);
    if (!Array.isArray(group.cases) || group.cases.length === 0) fail(at, "no cases");
    for (const [index, vector] of group.cases.entries()) {
      checkCase(`${at} "${group.name}" case ${index}`, vector);
    }
    return [group.name, group.cases.length];
  });
}

function main() {
  const quiet = process.argv.includes("--quiet");
  const folder = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(folder)
    .filter((name) => name.endsWith(".json"))
    .sort();
  let total = 0;
  const summary = [];
  for (const file of files) {
    const counts = checkFile(join(folder, file));
    const cases = counts.reduce((sum, [, count]) => sum + count, 0);
    if (!quiet) {
      for (const [name, count] of counts) console.log(`${file}  ${name}: ${count}`);
    }
    summary.push(`${file}: ${counts.length} groups, ${cases} cases`);
    total += cases;
  }
  for (const line of summary) console.log(line);
  console.log(`total: ${files.length} files, ${total} cases`);
}

try {
  main();
} catch (error) {
  if (!(error instanceof VectorFormatError || error instanceof SyntaxError)) throw error;
  console.error(`invalid vector file: ${error.message}`);
  process.exitCode = 1;
}
