/*
 * Declarations shared by the usertests source files. Each file contains the tests
 * of one area, and main.c lists them all in the order they run.
 *
 * Tests create their files in the current directory under names starting with "ut."
 * and remove them again, removing leftovers of an interrupted run first, so that
 * usertests can run any number of times on one disk.
 */
#ifndef USERTESTS_H
#define USERTESTS_H

#include "types.h"
#include "stat.h"
#include "fcntl.h"
#include "fs.h"
#include "param.h"
#include "syscall.h"
#include "memlayout.h"
#include "mmu.h"
#include "user.h"
#include "../testing/runner.h"

// argv[0] of usertests, which exec tests run again with "exec-child".
extern char *self_path;

// The byte at offset of a test stream or file with the given seed. Every 512-byte
// block differs from its neighbours, so misplaced blocks are detected.
static inline uchar
pattern_byte(uint offset, uint seed)
{
  return (uchar)(offset * 7 + seed + (offset >> 9) * 13);
}

void fill_pattern(uchar *buf, int n, uint offset, uint seed);
void check_pattern(const uchar *buf, int n, uint offset, uint seed, const char *what);

// Entry point of "usertests exec-child ...", which exec tests use as their target.
void exec_child(int argc, char **argv) __attribute__((noreturn));

// files.c
void test_open(void);
void test_readwrite(void);
void test_createkeeps(void);
void test_badfd(void);
void test_nofile(void);
void test_dup(void);
void test_fstat(void);
void test_unlinkopen(void);
void test_bigfile(void);
void test_manyfiles(void);
void test_writers(void);
void test_sharedfd(void);
void test_mknod(void);

// dirs.c
void test_mkdir(void);
void test_dirents(void);
void test_chdir(void);
void test_unlinkdir(void);
void test_link(void);
void test_dirfile(void);
void test_longname(void);
void test_paths(void);

// procs.c
void test_forkwait(void);
void test_waitnone(void);
void test_getpid(void);
void test_forklimit(void);
void test_kill(void);
void test_orphans(void);
void test_sleep(void);
void test_pipe(void);
void test_pipeclose(void);

// exec.c
void test_execargs(void);
void test_execbad(void);

// memory.c
void test_sbrk(void);
void test_sbrkbig(void);
void test_sbrklimit(void);
void test_badptr(void);
void test_argfetch(void);

// faults.c
void test_iokill(void);
void test_trapkill(void);
void test_kernelmem(void);
void test_stackguard(void);
void test_eflags(void);

// exhaust.c
void test_maxfile(void);
void test_inodes(void);
void test_diskfull(void);

// Slow tests in the other files.
void test_forkloop(void);     // procs.c
void test_sbrkmax(void);      // memory.c
void test_bigpipe(void);      // procs.c
void test_manywriters(void);  // files.c
void test_execloop(void);     // exec.c
void test_killloop(void);     // procs.c

#endif
