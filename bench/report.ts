/**
 * The one benchmark convention of xv6ts: a package's `bench` script measures (with tinybench or by
 * timing host commands in the same run), then calls `writeReport` once. The report is printed as a
 * table and written to bench/results/<package>.json, so that runs can be compared.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

/** One figure of a benchmark run. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** What the figure was measured against, or how to read it. */
  note?: string;
}

/** The machine a run was measured on, so figures from different machines are not compared. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

export interface Report {
  package: string;
  date: string;
  commit: string;
  machine: Machine;
  figures: Figure[];
}

const RESULTS_DIR = fileURLToPath(new URL("./results/", import.meta.url));

/** Describes the host machine. */
export function describeMachine(): Machine {
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

function currentCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

/** Prints the figures of one package's run and writes them to bench/results/<package>.json. */
export function writeReport(packageName: string, figures: Figure[]): Report {
  const report: Report = {
    package: packageName,
    date: new Date().toISOString(),
    commit: currentCommit(),
    machine: describeMachine(),
    figures,
  };
  const shortName = packageName.replace(/^@xv6ts\//, "");
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = `${RESULTS_DIR}${shortName}.json`;
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);

  console.log(
    `\n${packageName} on ${report.machine.cpu} (${report.machine.cores} cores), ${report.machine.node}`,
  );
  console.table(
    figures.map((f) => ({
      name: f.name,
      value: Number(f.value.toPrecision(4)),
      unit: f.unit,
      note: f.note ?? "",
    })),
  );
  console.log(`written to ${path}`);
  return report;
}
