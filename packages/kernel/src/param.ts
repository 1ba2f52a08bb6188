/**
 * The kernel's fixed numbers: the limits of xv6's param.h, trap numbers, segment selectors and
 * system-call numbers. They are the interface user programs see, so they match real x86 xv6.
 */

/** Process slots by default (the host API may choose another count). */
export const NPROC = 64;
/** Open files per process. */
export const NOFILE = 16;
/** Open files in the whole system. */
export const NFILE = 100;
/** Entries of exec's argument array, the terminating 0 included: at most 31 arguments. */
export const MAXARG = 32;
/** Bytes a pipe buffers. */
export const PIPESIZE = 512;
/** Bytes of the console's input buffer. */
export const INPUT_BUF = 128;
/** Longest process name, in bytes (the 16th byte of xv6's name field is its NUL). */
export const PROC_NAME_MAX = 15;
/** Device major numbers a device inode may name. */
export const NDEV = 10;
/** The console's device major number. */
export const CONSOLE_MAJOR = 1;
/** Device number of the root disk, as `fstat` reports it. */
export const ROOTDEV = 1;

/** The software interrupt of a system call (`int $64`, bytes cd 40). */
export const T_SYSCALL = 64;
/** Length of the `int $64` instruction: a blocked call rewinds eip by this much. */
export const SYSCALL_INSTRUCTION_LENGTH = 2;

/** Selectors a CPL-3 process holds: user code (GDT entry 3) and user data (entry 4), RPL 3. */
export const USER_CS = 0x1b;
export const USER_DS = 0x23;
/** EFLAGS of a new process: bit 1 (always set) and IF. */
export const FL_INITIAL = 0x202;

/** Inode types, as in `struct stat` and on disk. */
export const T_DIR = 1;
export const T_FILE = 2;
export const T_DEV = 3;

/** `open` flags. */
export const O_RDONLY = 0x000;
export const O_WRONLY = 0x001;
export const O_RDWR = 0x002;
export const O_CREATE = 0x200;

/** System-call numbers: xv6's 21, then the checkpoint calls that an extension registers. */
export const SYS_fork = 1;
export const SYS_exit = 2;
export const SYS_wait = 3;
export const SYS_pipe = 4;
export const SYS_read = 5;
export const SYS_kill = 6;
export const SYS_exec = 7;
export const SYS_fstat = 8;
export const SYS_chdir = 9;
export const SYS_dup = 10;
export const SYS_getpid = 11;
export const SYS_sbrk = 12;
export const SYS_sleep = 13;
export const SYS_uptime = 14;
export const SYS_open = 15;
export const SYS_write = 16;
export const SYS_mknod = 17;
export const SYS_unlink = 18;
export const SYS_link = 19;
export const SYS_mkdir = 20;
export const SYS_close = 21;
export const SYS_checkpoint = 22;
export const SYS_restart = 23;
export const SYS_ckptinfo = 24;

/** System-call names indexed by number, in the order the real system assigns them. */
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
