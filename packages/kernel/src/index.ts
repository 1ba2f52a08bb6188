/**
 * @xv6ts/kernel: the xv6 kernel in TypeScript. `Kernel` is the host API; `KernelExtensionApi`
 * (reached as `kernel.extension`) is what an extension such as the checkpoint package uses.
 */
export type { ClockOptions } from "./clock.js";
export { DEFAULT_INSTRUCTIONS_PER_TICK } from "./clock.js";
export type { ConsoleSink } from "./console.js";
export type { ConsoleWaitListener } from "./core.js";
export type {
  BlockedCall,
  DescriptorInfo,
  ExtensionCall,
  ExtensionSyscallHandler,
  KernelExtensionApi,
  ProcessControl,
  ProcessImage,
} from "./extension.js";
export { REGISTERS_SET } from "./extension.js";
export type { FileKind, OpenFile } from "./file.js";
export { describeValue } from "./host-arguments.js";
export { Kernel, type KernelOptions, type MappedPage, type ProcessInfo } from "./kernel.js";
export { BootError, DiskError, InitExitError, KernelPanic } from "./panic.js";
export * from "./param.js";
export type { ProcState } from "./proc.js";
export { checkUserRegisters } from "./user-registers.js";
