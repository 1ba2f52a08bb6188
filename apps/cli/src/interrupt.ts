/**
 * Interrupts of the image tools: SIGINT, SIGTERM and SIGHUP while a tool runs.
 *
 * Node runs a signal handler only when the event loop is free, so the synchronous work of a tool
 * (mkfs, fsck, a read) finishes before the handler runs. Its disk is then shut down and its lock
 * released as on any other exit. A long copy into an image yields to the event loop between transactions and
 * stops there when interrupted: every finished transaction is on the disk, none is half written,
 * and the command exits with 128 + the signal number.
 */
import { constants } from "node:os";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

let received: NodeJS.Signals | null = null;

/** Returns the signal received while the handlers were installed, or null. */
export function interruptSignal(): NodeJS.Signals | null {
  return received;
}

/** Returns the exit code of an interrupt: 128 + the signal number. */
export function interruptExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

/** Records SIGINT, SIGTERM and SIGHUP instead of dying at once; returns a function that stops. */
export function installInterruptHandlers(): () => void {
  received = null;
  const handlers = SIGNALS.map((signal) => {
    const handler = () => {
      received = signal;
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
