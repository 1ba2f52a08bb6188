/** Helpers shared by the tests. */
import type { FsResult } from "../src/index";

/** Returns the value of a successful host call; a failure fails the test with its reason. */
export function expectOk<T>(result: FsResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got: ${result.reason}`);
  return result.value;
}
