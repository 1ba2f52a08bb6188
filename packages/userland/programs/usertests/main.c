/*
 * usertests: tests of the 21 xv6 system calls from user space.
 *
 *   usertests [quick]   the quick tier (the default)
 *   usertests slow      the slow tier
 *   usertests all       both tiers
 *   usertests list      the tests with their tier and a summary
 *   usertests name ...  the named tests
 *
 * Each test prints "test <name>: OK" or "test <name>: FAILED: <what was expected and
 * what came>", and the run ends with "ALL TESTS PASSED" only when every selected test
 * passed. A test that expects the kernel to kill a process cannot see the kernel's
 * console line about it. So it checks that wait returns the child's pid and that the
 * child did not get past the faulting instruction.
 */
#include "usertests.h"

char *self_path = "usertests";

static const struct test tests[] = {
  { "open", test_open, QUICK, "open of missing, nested and created files" },
  { "readwrite", test_readwrite, QUICK, "read and write through one file, and their modes" },
  { "createkeeps", test_createkeeps, QUICK, "O_CREATE on an existing file does not truncate" },
  { "badfd", test_badfd, QUICK, "negative, too large and closed descriptors" },
  { "nofile", test_nofile, QUICK, "exactly NOFILE descriptors per process" },
  { "dup", test_dup, QUICK, "dup returns the lowest free fd and shares the offset" },
  { "fstat", test_fstat, QUICK, "fstat fields of files, directories and pipes" },
  { "unlinkopen", test_unlinkopen, QUICK, "an unlinked file stays readable while open" },
  { "bigfile", test_bigfile, QUICK, "a 64 KiB file across the indirect block boundary" },
  { "manyfiles", test_manyfiles, QUICK, "100 files in one directory" },
  { "writers", test_writers, QUICK, "four processes writing four files at once" },
  { "sharedfd", test_sharedfd, QUICK, "two processes appending through one descriptor" },
  { "mknod", test_mknod, QUICK, "device nodes" },
  { "mkdir", test_mkdir, QUICK, "mkdir errors and xv6 link counts" },
  { "dirents", test_dirents, QUICK, "reading directory entries" },
  { "chdir", test_chdir, QUICK, "chdir and relative paths" },
  { "unlinkdir", test_unlinkdir, QUICK, "unlink of ., .. and non-empty directories" },
  { "link", test_link, QUICK, "hard links, and links to directories" },
  { "dirfile", test_dirfile, QUICK, "a file used as a directory, a directory as a file" },
  { "longname", test_longname, QUICK, "names of DIRSIZ characters and longer" },
  { "paths", test_paths, QUICK, "paths with ., .. and repeated slashes" },
  { "forkwait", test_forkwait, QUICK, "wait returns each child exactly once" },
  { "waitnone", test_waitnone, QUICK, "wait without children" },
  { "getpid", test_getpid, QUICK, "getpid in parent and child" },
  { "forklimit", test_forklimit, QUICK, "fork up to the process limit and back" },
  { "kill", test_kill, QUICK, "kill of running, sleeping and blocked children" },
  { "orphans", test_orphans, QUICK, "a parent does not wait for its grandchildren" },
  { "sleep", test_sleep, QUICK, "sleep and uptime" },
  { "pipe", test_pipe, QUICK, "12000 bytes through a pipe between two processes" },
  { "pipeclose", test_pipeclose, QUICK, "pipe ends: end of file and broken pipes" },
  { "execargs", test_execargs, QUICK, "exec with 31 arguments, and with too many" },
  { "execbad", test_execbad, QUICK, "exec of files that are not valid programs" },
  { "sbrk", test_sbrk, QUICK, "sbrk up and down, and access after shrinking" },
  { "sbrkbig", test_sbrkbig, QUICK, "sbrk of 4 MiB, touched page by page" },
  { "sbrklimit", test_sbrklimit, QUICK, "sbrk up to KERNBASE fails" },
  { "badptr", test_badptr, QUICK, "bad pointers to every call that takes one" },
  { "argfetch", test_argfetch, QUICK, "system-call arguments beyond the process size" },
  { "iokill", test_iokill, QUICK, "in, out, cli and hlt in user mode kill" },
  { "trapkill", test_trapkill, QUICK, "int 3, int 0x80, ud2 and divide by zero kill" },
  { "kernelmem", test_kernelmem, QUICK, "user access to kernel memory kills" },
  { "stackguard", test_stackguard, QUICK, "stack overflow into the guard page kills" },
  { "eflags", test_eflags, QUICK, "EFLAGS bits a user program can and cannot change" },
  { "maxfile", test_maxfile, SLOW, "write until the file reaches its maximum size" },
  { "forkloop", test_forkloop, SLOW, "five rounds of forking to the process limit" },
  { "sbrkmax", test_sbrkmax, SLOW, "grow memory until sbrk fails, twice" },
  { "inodes", test_inodes, SLOW, "create files until the inodes run out" },
  { "diskfull", test_diskfull, SLOW, "write files until the disk is full" },
  { "bigpipe", test_bigpipe, SLOW, "2 MiB through a pipe" },
  { "manywriters", test_manywriters, SLOW, "eight processes writing 64 KiB each" },
  { "execloop", test_execloop, SLOW, "100 fork, exec and wait" },
  { "killloop", test_killloop, SLOW, "kill 50 children in a row" },
};

static const struct suite suite = {
  "usertests", tests, sizeof(tests) / sizeof(tests[0]), "ALL TESTS PASSED",
};

void
fill_pattern(uchar *buf, int n, uint offset, uint seed)
{
  for(int i = 0; i < n; i++)
    buf[i] = pattern_byte(offset + i, seed);
}

void
check_pattern(const uchar *buf, int n, uint offset, uint seed, const char *what)
{
  for(int i = 0; i < n; i++){
    uchar expected = pattern_byte(offset + i, seed);

    if(buf[i] != expected)
      fail("byte %u of %s is %d, expected %d", offset + i, what, buf[i], expected);
  }
}

int
main(int argc, char *argv[])
{
  if(argc >= 2 && strcmp(argv[1], "exec-child") == 0)
    exec_child(argc, argv);
  self_path = argv[0];

  run_suite(&suite, argc, argv);
  exit();
}
