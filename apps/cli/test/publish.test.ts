/**
 * Publishing: `pnpm build` makes a runnable bin, and the packed tarballs hold everything a user
 * needs, the built ELF programs included, so that `npx @xv6ts/cli` would boot xv6ts.
 *
 * The tarballs are installed by path: each is unpacked into a temporary node_modules, and the
 * three packages from the npm registry (commander, cli-progress, picocolors) are linked from this
 * workspace's install. `npm install --offline` cannot be used instead, because it needs those
 * three in npm's cache, which a machine without network access to the registry does not have.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { programNames } from "@xv6ts/userland";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CLI_DIR, temporaryFolder } from "./helpers";

const ROOT = resolve(CLI_DIR, "../..");
const PACKAGES: Record<string, string> = {
  cpu: "packages/cpu",
  mmu: "packages/mmu",
  "fs-journal": "packages/fs-journal",
  kernel: "packages/kernel",
  checkpoint: "packages/checkpoint",
  userland: "packages/userland",
  cli: "apps/cli",
};
const REGISTRY_DEPENDENCIES = ["commander", "cli-progress", "picocolors"];

let folder: ReturnType<typeof temporaryFolder>;
let tarballs: Record<string, string>;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function tarEntries(tarball: string): string[] {
  return run("tar", ["tzf", tarball], folder.path).trim().split("\n");
}

function tarFile(tarball: string, entry: string): string {
  return run("tar", ["xzf", tarball, "-O", entry], folder.path);
}

beforeAll(() => {
  folder = temporaryFolder();
  run("pnpm", ["--filter", "@xv6ts/cli...", "run", "build"], ROOT);
  const destination = join(folder.path, "tarballs");
  mkdirSync(destination);
  tarballs = {};
  for (const [name, path] of Object.entries(PACKAGES)) {
    run("pnpm", ["pack", "--pack-destination", destination], join(ROOT, path));
    tarballs[name] = join(destination, `xv6ts-${name}-0.1.0.tgz`);
  }
}, 600_000);

afterAll(() => folder.remove());

describe("the published packages", { tags: ["slow"] }, () => {
  test("userland's tarball holds every built program", () => {
    const entries = new Set(tarEntries(tarballs.userland!));
    const missing = programNames().filter((name) => !entries.has(`package/bin/${name}`));
    expect(missing).toEqual([]);
    expect(programNames().length).toBeGreaterThan(20);
  });

  test("the cli's tarball has a runnable xv6ts bin", () => {
    const manifest = JSON.parse(tarFile(tarballs.cli!, "package/package.json"));
    expect(manifest.name).toBe("@xv6ts/cli");
    expect(manifest.bin).toEqual({ xv6ts: "./dist/main.js" });
    expect(JSON.stringify(manifest.dependencies)).not.toContain("workspace:");
    expect(tarFile(tarballs.cli!, "package/dist/main.js").startsWith("#!/usr/bin/env node\n")).toBe(
      true,
    );
  });

  test("installed tarballs boot xv6ts through the bin", () => {
    const app = join(folder.path, "app");
    const modules = join(app, "node_modules");
    mkdirSync(join(modules, "@xv6ts"), { recursive: true });
    for (const [name, tarball] of Object.entries(tarballs)) {
      const target = join(modules, "@xv6ts", name);
      mkdirSync(target);
      run("tar", ["xzf", tarball, "-C", target, "--strip-components=1"], app);
    }
    for (const name of REGISTRY_DEPENDENCIES) {
      symlinkSync(realpathSync(join(CLI_DIR, "node_modules", name)), join(modules, name));
    }
    mkdirSync(join(modules, ".bin"));
    symlinkSync("../@xv6ts/cli/dist/main.js", join(modules, ".bin", "xv6ts"));
    expect(readdirSync(join(modules, "@xv6ts")).sort()).toEqual(Object.keys(PACKAGES).sort());

    const result = spawnSync(
      join(modules, ".bin", "xv6ts"),
      ["--quiet-boot", "--size", "8M", "--exec", "echo packed"],
      {
        cwd: app,
        encoding: "latin1",
        env: { PATH: process.env.PATH!, XV6TS_HOME: join(folder.path, "home") },
        input: "",
        timeout: 120_000,
      },
    );
    expect(result.stderr).toBe(
      `xv6ts: made the default disk ${join(folder.path, "home", "disk.img")} (8 MiB); later runs boot it again\n`,
    );
    expect(result.stdout).toBe("$ echo packed\npacked\n$ ");
    expect(result.status).toBe(0);
    expect(readFileSync(join(modules, "@xv6ts/userland/bin/init")).subarray(0, 4)).toEqual(
      Buffer.from([0x7f, 0x45, 0x4c, 0x46]),
    );
  });
});
