/**
 * @xv6ts/kernel: the xv6 kernel in TypeScript.
 */

/** System call numbers of xv6, in the order the real system assigns them. */
export const SYSCALL_NAMES = [
  "",
  "fork",
  "exit",
  "wait",
  "pipe",
  "read",
  "kill",
  "exec",
  "fstat",
  "chdir",
  "dup",
  "getpid",
  "sbrk",
  "sleep",
  "uptime",
  "open",
  "write",
  "mknod",
  "unlink",
  "link",
  "mkdir",
  "close",
] as const;
