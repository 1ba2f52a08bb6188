// Sums the vitest JSON reports of every workspace package into the closing line CI reads,
// "N passed, N failed". A package whose tests produced no report counts as one failure, so a
// crash before vitest writes its report cannot pass silently.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

let passed = 0;
let failed = 0;
for (const group of ["packages", "apps"]) {
  for (const name of readdirSync(group)) {
    const dir = join(group, name);
    if (!existsSync(join(dir, "package.json"))) continue;
    const reportPath = join(dir, "test-results", "vitest.json");
    if (!existsSync(reportPath)) {
      console.log(`ci: ${dir} wrote no test report (tests did not run to the end)`);
      failed += 1;
      continue;
    }
    const report = JSON.parse(readFileSync(reportPath, "utf8"));
    console.log(`ci: ${dir}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
    passed += report.numPassedTests;
    failed += report.numFailedTests + (report.success || report.numFailedTests > 0 ? 0 : 1);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
