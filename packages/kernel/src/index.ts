/**
 * @xv6ts/kernel: the xv6 kernel in TypeScript.
 */
export { KernelPanic } from "./panic.js";
export * from "./param.js";
