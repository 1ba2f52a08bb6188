/**
 * The kernel extensions the CLI installs: the checkpoint package's system calls 22 to 24, and
 * its host API for the monitor's checkpoint and restart commands.
 */
import { checkpointProcess, installCheckpoint, restartProcess } from "@xv6ts/checkpoint";
import type { Kernel } from "@xv6ts/kernel";
import type { CheckpointControl } from "./monitor";

/**
 * Installs every extension into a kernel that has booted and not started running, and returns
 * the monitor's checkpoint control. installCheckpoint also removes the temporary files that
 * checkpoints interrupted by a crash left in /.ckpt.
 */
export function installExtensions(kernel: Kernel): CheckpointControl {
  installCheckpoint(kernel);
  return {
    checkpoint: (pid, path) => checkpointProcess(kernel, pid, path),
    restart: (path) => restartProcess(kernel, path),
  };
}
