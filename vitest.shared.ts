import { defineConfig } from "vitest/config";

// Settings every package's tests share. Each package's vitest.config.ts re-exports this, because a
// root config with test.projects does not pass its own settings down to the projects.
export default defineConfig({
  ssr: {
    resolve: {
      // Resolve sibling packages to their TypeScript sources, so tests need no prior build.
      conditions: ["@xv6ts/source"],
    },
  },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // CI has two cores; turbo runs one package at a time and each package uses both.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
    tags: [
      {
        name: "slow",
        description: "takes longer than a few seconds; still runs in CI",
        timeout: 1_200_000,
      },
    ],
  },
});
