import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canRunNative, makeSandbox, runNative, type Sandbox } from "./native";

// Each input line of native/shparse and the tree or error it prints.
const PARSES: [string, string][] = [
  ["echo hello", "cmd('echo' 'hello')"],
  ["   ", "empty"],
  ["# only a comment", "empty"],
  ["echo a#b # comment", "cmd('echo' 'a#b')"],
  ["cat a | wc", "pipe(cmd('cat' 'a'), cmd('wc'))"],
  ["a | b | c", "pipe(pipe(cmd('a'), cmd('b')), cmd('c'))"],
  ["a; b; c", "seq(cmd('a'), seq(cmd('b'), cmd('c')))"],
  ["a ; b & c", "seq(cmd('a'), seq(bg(cmd('b')), cmd('c')))"],
  ["a&b&", "seq(bg(cmd('a')), bg(cmd('b')))"],
  ["a | b &", "bg(pipe(cmd('a'), cmd('b')))"],
  [
    "(cat a; echo b) | wc > out &",
    "bg(pipe(group(seq(cmd('cat' 'a'), cmd('echo' 'b'))), >('out' cmd('wc'))))",
  ],
  ["cat < in > out >> log", "<('in' >('out' >>('log' cmd('cat'))))"],
  ["> out echo hi", ">('out' cmd('echo' 'hi'))"],
  ["> f", ">('f' cmd())"],
  ["(a) > out < in", ">('out' <('in' group(cmd('a'))))"],
  ["(a; (b | c))", "group(seq(cmd('a'), group(pipe(cmd('b'), cmd('c')))))"],
  [`echo "a b" 'c d' e"f g"h ""`, "cmd('echo' 'a b' 'c d' 'ef gh' '')"],
  [`echo "a|b;c"`, "cmd('echo' 'a|b;c')"],
  ["| a", "error: syntax error: missing command before '|'"],
  ["a |", "error: syntax error: missing command after '|'"],
  ["a || b", "error: syntax error: missing command before '|'"],
  ["a & ; b", "seq(bg(cmd('a')), cmd('b'))"],
  ["a &; b", "seq(bg(cmd('a')), cmd('b'))"],
  ["counter 2 & ; echo y", "seq(bg(cmd('counter' '2')), cmd('echo' 'y'))"],
  ["a & ;", "bg(cmd('a'))"],
  ["a ; ; b", "seq(cmd('a'), cmd('b'))"],
  ["a;;;b", "seq(cmd('a'), cmd('b'))"],
  ["; echo c", "cmd('echo' 'c')"],
  [";", "empty"],
  ["; ; # comment", "empty"],
  ["(; a ;) ; b", "seq(group(cmd('a')), cmd('b'))"],
  ["& a", "error: syntax error: missing command before '&'"],
  ["a & & b", "error: syntax error: missing command before '&'"],
  ["a && b", "error: syntax error: missing command before '&'"],
  ["a ; | b", "error: syntax error: missing command before '|'"],
  ["( ; )", "error: syntax error: missing command before ')'"],
  ["(a ; ; b", "error: syntax error: missing ')'"],
  ["a ; )", "error: syntax error: unexpected ')'"],
  ["( a", "error: syntax error: missing ')'"],
  ["a )", "error: syntax error: unexpected ')'"],
  ["()", "error: syntax error: missing command before ')'"],
  ["a >", "error: syntax error: missing file name after '>'"],
  ["a >> |", "error: syntax error: missing file name after '>>'"],
  ["a < ;", "error: syntax error: missing file name after '<'"],
  [`echo "open`, `error: syntax error: missing closing quote (")`],
  ["echo 'open", "error: syntax error: missing closing quote (')"],
  ["a (b)", "error: syntax error: unexpected '('"],
  ["(a) b", "error: syntax error: unexpected 'b'"],
  ["(a) averyveryverylongword", "error: syntax error: unexpected 'averyveryverylon'"],
  [`${"(".repeat(16)}a${")".repeat(16)}`, `${"group(".repeat(16)}cmd('a')${")".repeat(16)}`],
  [`${"(".repeat(17)}a${")".repeat(17)}`, "error: syntax error: more than 16 nested parentheses"],
];

const words = (count: number) => Array.from({ length: count }, (_, i) => `w${i}`);

describe.skipIf(!canRunNative)("the shell parser, run natively", () => {
  it.each(PARSES)("parses %j", (line, expected) => {
    const run = runNative("shparse", [], { input: `${line}\n` });

    expect(run.stdout).toBe(`${expected}\n`);
  });

  it("accepts 31 words and rejects 32", () => {
    const run = runNative("shparse", [], {
      input: `${words(31).join(" ")}\n${words(32).join(" ")}\n`,
    });
    const [ok, rejected] = run.stdout.split("\n");

    expect(ok).toBe(
      `cmd(${words(31)
        .map((word) => `'${word}'`)
        .join(" ")})`,
    );
    expect(rejected).toBe("error: too many arguments (at most 31 words)");
  });

  it("parses lines of many commands", () => {
    const line = Array.from({ length: 120 }, (_, i) => `c${i}`).join(";");
    const run = runNative("shparse", [], { input: `${line}\n` });

    expect(run.stdout.startsWith("seq(cmd('c0'), seq(cmd('c1'), ")).toBe(true);
    expect(run.stdout.trimEnd().endsWith(`cmd('c119')${")".repeat(119)}`)).toBe(true);
  });
});

describe.skipIf(!canRunNative)("sh, run natively", () => {
  let sandbox: Sandbox;

  // Runs a script through sh in the sandbox; the prompts go to stderr.
  const shell = (script: string) => runNative("sh", [], { input: script, cwd: sandbox.dir });
  const file = (name: string) => readFileSync(join(sandbox.dir, name), "utf8");

  beforeAll(() => {
    sandbox = makeSandbox(["sh", "echo", "cat", "wc", "grep", "mkdir", "rm", "sleep"]);
  });
  afterAll(() => sandbox.remove());

  it("runs a command and prompts on stderr", () => {
    const run = shell("echo hello world\n");

    expect(run.stdout).toBe("hello world\n");
    expect(run.stderr).toBe("$ $ ");
    expect(run.status).toBe(0);
  });

  it("exits at the end of input", () => {
    const run = shell("");

    expect(run.stderr).toBe("$ ");
    expect(run.status).toBe(0);
  });

  it("connects a pipeline", () => {
    expect(shell("echo one two three | wc\n").stdout).toBe("1 3 14 \n");
    expect(shell("echo a b | cat | cat | wc\n").stdout).toBe("1 2 4 \n");
  });

  it("redirects output and input", () => {
    const run = shell("echo hi > r1; cat < r1\n");

    expect(run.stdout).toBe("hi\n");
    expect(file("r1")).toBe("hi\n");
  });

  it("overwrites without truncating on >", () => {
    writeFileSync(join(sandbox.dir, "r2"), "abcdef\n");
    shell("echo X > r2\n");

    expect(file("r2")).toBe("X\ncdef\n");
  });

  it("appends on >>", () => {
    shell("echo a > r3; echo b >> r3; echo c >> r3\n");

    expect(file("r3")).toBe("a\nb\nc\n");
  });

  it("runs sequences and groups", () => {
    expect(shell("echo a; echo b\n").stdout).toBe("a\nb\n");
    expect(shell("(echo a; echo b) | wc\n").stdout).toBe("2 2 4 \n");
    expect(shell("(echo a; echo b) > r4; cat r4\n").stdout).toBe("a\nb\n");
  });

  it("runs a background job", () => {
    // spawnSync reads the pipe until every writer has exited, the background echo included.
    const run = shell("echo bg &\n");

    expect(run.stderr).toBe("$ $ ");
    expect(run.stdout).toBe("bg\n");
  });

  it("passes quoted words", () => {
    expect(shell(`echo "a  b" 'c|d' ""\n`).stdout).toBe("a  b c|d \n");
  });

  it("runs a command after '& ;'", () => {
    // The background echoes write to the same pipe, which spawnSync reads until every writer
    // exits, so their lines are all there, in an order the scheduler picks.
    const run = shell("echo bg1 & ; echo y\necho bg2 &; echo z\n");
    const lines = run.stdout.split("\n");

    expect(run.stderr).toBe("$ $ $ ");
    expect([...lines].sort()).toEqual(["", "bg1", "bg2", "y", "z"]);
    expect(lines.indexOf("y")).toBeLessThan(lines.indexOf("z"));
  });

  it("treats an empty command as a no-op", () => {
    const run = shell("echo a ; ; echo b\n; echo c\n;\n");

    expect(run.stderr).toBe("$ $ $ $ ");
    expect(run.stdout).toBe("a\nb\nc\n");
  });

  it("reports an unknown program", () => {
    const run = shell("nosuch arg\necho after\n");

    expect(run.stderr).toBe("$ exec nosuch failed\n$ $ ");
    expect(run.stdout).toBe("after\n");
  });

  it("reports a syntax error and runs nothing", () => {
    const run = shell("echo not run | \necho after\n");

    expect(run.stderr).toBe("$ sh: syntax error: missing command after '|'\n$ $ ");
    expect(run.stdout).toBe("after\n");
  });

  it("reports each syntax error in one line", () => {
    const run = shell("| echo x\necho >\n(echo x\necho x)\necho y & & echo z\n");

    expect(run.stderr).toBe(
      [
        "$ sh: syntax error: missing command before '|'",
        "$ sh: syntax error: missing file name after '>'",
        "$ sh: syntax error: missing ')'",
        "$ sh: syntax error: unexpected ')'",
        "$ sh: syntax error: missing command before '&'",
        "$ ",
      ].join("\n"),
    );
    expect(run.stdout).toBe("");
  });

  it("reports a redirection from a missing file", () => {
    const run = shell("cat < missing\n");

    expect(run.stderr).toBe("$ open missing failed\n$ ");
  });

  it("changes directory for the rest of the line and later lines", () => {
    const run = shell("mkdir d1; cd d1; ../echo inside > g\ncd ..\ncat d1/g\ncd d1\n../cat g\n");

    expect(run.stdout).toBe("inside\ninside\n");
  });

  it("changes directory only inside a group", () => {
    shell("mkdir d2\n(cd d2; ../echo grouped > g)\necho top > g2\n");

    expect(file("d2/g")).toBe("grouped\n");
    expect(file("g2")).toBe("top\n");
  });

  it("reports a failed cd", () => {
    expect(shell("cd nowhere\n").stderr).toBe("$ cd: cannot change directory to nowhere\n$ ");
    expect(shell("cd a b\n").stderr).toBe("$ cd: too many arguments\n$ ");
  });

  it("rejects a line that is too long and goes on", () => {
    const run = shell(`echo ${"x".repeat(600)}\necho next\n`);

    expect(run.stderr).toBe("$ sh: line too long (at most 510 characters)\n$ $ ");
    expect(run.stdout).toBe("next\n");
  });

  it("creates the file of an empty command", () => {
    shell("> r6\n");

    expect(existsSync(join(sandbox.dir, "r6"))).toBe(true);
  });
});
