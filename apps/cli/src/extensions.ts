/**
 * The kernel extensions the CLI installs before boot: the checkpoint package's system calls 22
 * to 24, and its host API for the monitor.
 */
import type { Kernel } from "@xv6ts/kernel";
import type { CheckpointControl } from "./monitor";

/** What installExtensions returns: the host side of the installed extensions. */
export interface Extensions {
  checkpoints: CheckpointControl | null;
}

/** Installs every extension into a kernel that has not booted yet. */
export function installExtensions(_kernel: Kernel): Extensions {
  // TODO: install the checkpoint extension once @xv6ts/checkpoint exports installCheckpoint.
  return { checkpoints: null };
}

/** Returns the monitor's checkpoint control, or null when checkpoints are not installed. */
export function checkpointControl(extensions: Extensions): CheckpointControl | null {
  return extensions.checkpoints;
}
