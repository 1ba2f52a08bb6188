import { KernelPanic } from "@xv6ts/kernel";
import { describe, expect, test } from "vitest";
import { CliError, describeHostError, EXIT, reportError } from "./errors";

/** Reports `error` into a string; returns the exit code and the text. */
function report(error: unknown, debug = false): { code: number; text: string } {
  let text = "";
  const code = reportError(error, {
    write: (line) => {
      text += line;
    },
    debug,
    paint: (prefix) => prefix,
  });
  return { code, text };
}

describe("reportError", () => {
  test("prints a CliError's sentence with its exit code", () => {
    expect(report(new CliError("the disk is gone"))).toEqual({
      code: EXIT.failure,
      text: "xv6ts: the disk is gone\n",
    });
    expect(report(new CliError("timed out", EXIT.timeout)).code).toBe(124);
  });

  test("reports a kernel panic as a bug with exit 3", () => {
    const { code, text } = report(new KernelPanic("sched: locks held"));
    expect(code).toBe(EXIT.panic);
    expect(text).toBe(
      "xv6ts: kernel panic: sched: locks held. This is a bug in xv6ts; please report it with the commands that led to it (XV6TS_DEBUG=1 adds the stack trace).\n",
    );
  });

  test("reports an unexpected error as an internal error", () => {
    const { code, text } = report(new TypeError("x is undefined"));
    expect(code).toBe(EXIT.panic);
    expect(text).toMatch(/^xv6ts: internal error: x is undefined\. This is a bug in xv6ts;/);
    expect(text).not.toMatch(/\n\s+at /);
  });

  test("adds the stack trace with XV6TS_DEBUG", () => {
    expect(report(new TypeError("x is undefined"), true).text).toMatch(/\n\s+at /);
  });
});

describe("describeHostError", () => {
  test("names the action, path and errno code", () => {
    const error = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    const described = describeHostError(error, "open the disk image", "/x.img");
    expect(described).toBeInstanceOf(CliError);
    expect((described as CliError).message).toBe(
      "cannot open the disk image /x.img: permission denied (EACCES)",
    );
  });

  test("leaves an error without a code unchanged", () => {
    const error = new Error("plain");
    expect(describeHostError(error, "read", "/x")).toBe(error);
  });
});
