/** A broken invariant inside the CPU (a bug, never a guest fault). Message: "function: reason". */
export class CpuPanic extends Error {
  override readonly name = "CpuPanic";
}
