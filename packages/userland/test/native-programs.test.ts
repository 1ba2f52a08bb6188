import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canRunNative, makeSandbox, runNative, type Sandbox } from "./native";

const FRUIT = ["apple", "banana", "cherry", "date", "a.b", "aaa", "xyz$", "[x]", "Banana"];

// Each grep pattern and the lines of FRUIT it selects.
const GREPS: [string, string[]][] = [
  ["an", ["banana", "Banana"]],
  ["^a", ["apple", "a.b", "aaa"]],
  ["e$", ["apple", "date"]],
  ["a.b", ["a.b"]],
  ["^a*$", ["aaa"]],
  ["^a+$", ["aaa"]],
  ["b[aeiou]n", ["banana"]],
  ["[^a-z]", ["a.b", "xyz$", "[x]", "Banana"]],
  ["\\.", ["a.b"]],
  ["\\[", ["[x]"]],
  ["[]x]", ["xyz$", "[x]"]],
  ["ch?e", ["cherry"]],
  ["^[a-c]a", ["banana", "aaa"]],
  ["z\\$$", ["xyz$"]],
  ["", FRUIT],
  ["nothing", []],
];

// The first n primes, by a sieve that is independent of the C program.
function firstPrimes(n: number): number[] {
  const limit = 400_000;
  const composite = new Uint8Array(limit);
  const primes: number[] = [];

  for (let i = 2; i < limit && primes.length < n; i++) {
    if (composite[i]) continue;
    primes.push(i);
    for (let j = i * i; j < limit; j += i) composite[j] = 1;
  }
  return primes;
}

describe.skipIf(!canRunNative)("tools, run natively", () => {
  let sandbox: Sandbox;
  const run = (program: string, args: string[] = [], input = "") =>
    runNative(program, args, { input, cwd: sandbox.dir });
  const path = (name: string) => join(sandbox.dir, name);

  beforeAll(() => {
    sandbox = makeSandbox([]);
    writeFileSync(path("fruit"), `${FRUIT.join("\n")}\n`);
    writeFileSync(path("text"), "one two\n  three\tfour \n\nfive");
  });
  afterAll(() => sandbox.remove());

  it("echo joins its arguments", () => {
    expect(run("echo", ["a", "b c", "d"]).stdout).toBe("a b c d\n");
    expect(run("echo").stdout).toBe("\n");
  });

  it("cat copies files and standard input", () => {
    expect(run("cat", ["text", "text"]).stdout).toBe(readFileSync(path("text"), "utf8").repeat(2));
    expect(run("cat", [], "from stdin\n").stdout).toBe("from stdin\n");
  });

  it("cat reports a missing file", () => {
    const result = run("cat", ["missing"]);

    expect(result.stderr).toBe("cat: cannot open missing\n");
    expect(result.stdout).toBe("");
  });

  it("wc counts lines, words and bytes", () => {
    expect(run("wc", ["text"]).stdout).toBe("3 5 27 text\n");
    expect(run("wc", ["text", "fruit"]).stdout).toBe("3 5 27 text\n9 9 49 fruit\n");
    expect(run("wc", [], "a b\nc").stdout).toBe("1 3 5 \n");
  });

  it.each(GREPS)("grep %j selects its lines", (pattern, expected) => {
    const result = run("grep", [pattern, "fruit"]);

    expect(result.stdout).toBe(expected.map((line) => `${line}\n`).join(""));
  });

  it("grep reads standard input and long lines", () => {
    const long = `${"x".repeat(2500)}needle`;

    expect(run("grep", ["b"], "abc\nxyz\nb").stdout).toBe("abc\nb\n");
    expect(run("grep", ["needle"], `${long}\n`).stdout).toBe(`${long.slice(2046)}\n`);
  });

  it("grep rejects an invalid pattern", () => {
    expect(run("grep", ["[ab", "fruit"]).stderr).toBe("grep: missing ] in pattern: [ab\n");
    expect(run("grep").stderr).toBe("usage: grep pattern [file ...]\n");
  });

  it("mkdir, ln and rm change the file system", () => {
    run("mkdir", ["dir1", "dir2"]);
    run("ln", ["text", "dir1/link"]);

    expect(readFileSync(path("dir1/link"), "utf8")).toBe(readFileSync(path("text"), "utf8"));
    run("rm", ["dir1/link", "dir1", "dir2"]);
    expect(existsSync(path("dir1"))).toBe(false);
    expect(existsSync(path("dir2"))).toBe(false);
  });

  it("mkdir, ln and rm report failures", () => {
    expect(run("mkdir", ["fruit"]).stderr).toBe("mkdir: cannot create fruit\n");
    expect(run("ln", ["missing", "new"]).stderr).toBe("ln: cannot link new to missing\n");
    expect(run("rm", ["missing"]).stderr).toBe("rm: cannot remove missing\n");
    expect(run("rm").stderr).toBe("usage: rm file...\n");
  });

  it("kill rejects bad process ids", () => {
    expect(run("kill", ["abc"]).stderr).toBe("kill: abc is not a process id\n");
    expect(run("kill", ["999999999"]).stderr).toBe("kill: no process 999999999\n");
    expect(run("kill").stderr).toBe("usage: kill pid...\n");
  });

  it("sleep checks its argument", () => {
    expect(run("sleep", ["2"]).stderr).toBe("");
    expect(run("sleep", ["x"]).stderr).toBe("usage: sleep ticks\n");
  });
});

describe.skipIf(!canRunNative)("demos, run natively", () => {
  let sandbox: Sandbox;
  const run = (program: string, args: string[] = [], input = "") =>
    runNative(program, args, { input, cwd: sandbox.dir });

  beforeAll(() => {
    sandbox = makeSandbox([]);
  });
  afterAll(() => sandbox.remove());

  it("counter prints a rising count", () => {
    expect(run("counter", ["3"]).stdout).toBe("counter: 1\ncounter: 2\ncounter: 3\n");
  });

  it("primes prints progress and the last prime", () => {
    const primes = firstPrimes(25_000);

    expect(run("primes", ["25000"]).stdout).toBe(
      `primes: 10000 found, the last is ${primes[9999]}\n` +
        `primes: 20000 found, the last is ${primes[19999]}\n` +
        `primes: done, prime 25000 is ${primes[24999]}\n`,
    );
  });

  it("memhog fills memory and verifies it on request", () => {
    const lines = run("memhog", ["2", "7"], "v\nx\n\nq\nv\n").stdout.split("\n");

    expect(lines[0]).toMatch(/^memhog: filled 2 MiB at 0x[0-9a-f]+, seed 7$/);
    expect(lines.slice(1)).toEqual([
      "memhog: 2 MiB verified",
      "memhog: unknown command; type v to verify or q to quit",
      "",
    ]);
  });

  it("memhog rejects a bad size", () => {
    expect(run("memhog", ["0"]).stderr).toBe("usage: memhog MiB [seed], with 1 <= MiB <= 2047\n");
  });

  it("fileloop appends and checks records", () => {
    const result = run("fileloop", ["loop.dat", "4"]);

    expect(result.stdout).toBe(
      "fileloop: round 1 ok\nfileloop: round 2 ok\nfileloop: round 3 ok\nfileloop: round 4 ok\n",
    );
    expect(readFileSync(join(sandbox.dir, "loop.dat"), "utf8")).toBe(
      "fileloop 000001\nfileloop 000002\nfileloop 000003\nfileloop 000004\n",
    );
  });

  it("true exits at once", () => {
    const result = run("true");

    expect(result.status).toBe(0);
    expect(result.stdout).toBe("");
  });
});

// usertests tests whose behaviour Linux shares with xv6. The others depend on xv6's
// limits, link counts, directory reads or faults and run only on the xv6ts kernel.
const PORTABLE_TESTS = [
  "open",
  "readwrite",
  "createkeeps",
  "badfd",
  "dup",
  "unlinkopen",
  "bigfile",
  "writers",
  "sharedfd",
  "forkwait",
  "waitnone",
  "getpid",
  "kill",
  "orphans",
  "sleep",
  "pipe",
  "sbrk",
  "sbrkbig",
  "iokill",
  "kernelmem",
  "eflags",
];

describe.skipIf(!canRunNative)("usertests, run natively", () => {
  let sandbox: Sandbox;
  const run = (args: string[]) => runNative("usertests", args, { cwd: sandbox.dir });

  beforeAll(() => {
    sandbox = makeSandbox(["usertests"]);
  });
  afterAll(() => sandbox.remove());

  it("passes the tests that Linux shares with xv6", () => {
    const result = run(PORTABLE_TESTS);

    expect(result.stdout).toBe(
      `${PORTABLE_TESTS.map((name) => `test ${name}: OK\n`).join("")}ALL TESTS PASSED\n`,
    );
  });

  it("reports a failed check and no pass line", () => {
    // Linux allows far more than NOFILE descriptors.
    expect(run(["nofile"]).stdout).toBe(
      "test nofile: FAILED: opened more than NOFILE (16) descriptors\n" +
        "usertests: 1 of 1 tests failed\n",
    );
  });

  it("reports a test process that died", () => {
    // On Linux a write to a pipe without readers kills the writer with SIGPIPE.
    expect(run(["pipeclose"]).stdout).toBe(
      "test pipeclose: FAILED: the test process died without reporting a result\n" +
        "usertests: 1 of 1 tests failed\n",
    );
  });

  it("rejects an unknown test name", () => {
    expect(run(["nosuch"]).stdout).toBe(
      'usertests: no test named nosuch ("usertests list" shows them)\n',
    );
  });

  it("lists every test with its tier", () => {
    const lines = run(["list"]).stdout.trimEnd().split("\n");

    expect(lines.length).toBe(51);
    expect(lines[0]).toMatch(/^open +quick +open of missing/);
    expect(lines.filter((line) => / slow /.test(line)).length).toBe(9);
  });

  it("leaves no files behind", () => {
    run(["open", "readwrite", "bigfile", "writers"]);

    expect(readFileSync(join(sandbox.dir, "usertests")).length).toBeGreaterThan(0);
    expect(existsSync(join(sandbox.dir, "usertests.result"))).toBe(false);
    expect(existsSync(join(sandbox.dir, "ut.big"))).toBe(false);
  });
});
