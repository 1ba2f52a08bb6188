/*
 * Tests of exec: argument passing and limits, and files that are not valid programs.
 *
 * The argument tests exec usertests itself as "usertests exec-child <fd> <argc>
 * a4 a5 ...". exec_child checks what it received and writes "P" (or "F") to the
 * inherited descriptor fd, the write end of a pipe the parent reads.
 *
 * The invalid-program tests write small hand-made ELF files. Each has one PT_LOAD
 * program header, described in struct program below, and a good one runs.
 */
#include "usertests.h"

static char *child_argv[MAXARG + 2];
static char argument_text[MAXARG + 2][12];
static char long_argument[200];

// Compare the received argument vector with the one exec_test_args builds.
void
exec_child(int argc, char **argv)
{
  int fd = argc > 2 ? atoi(argv[2]) : -1;
  int expected = argc > 3 ? atoi(argv[3]) : -1;
  int ok = argc == expected && argv[argc] == 0;
  char text[12];

  for(int i = 4; ok && i < argc; i++){
    snprintf(text, sizeof(text), "a%d", i);
    ok = strcmp(argv[i], text) == 0;
  }
  write(fd, ok ? "P" : "F", 1);
  exit();
}

// Build the argument vector of exec_child with argc entries, then a 0.
static void
build_child_args(int argc, int fd)
{
  child_argv[0] = self_path;
  child_argv[1] = "exec-child";
  snprintf(argument_text[2], sizeof(argument_text[2]), "%d", fd);
  snprintf(argument_text[3], sizeof(argument_text[3]), "%d", argc);
  child_argv[2] = argument_text[2];
  child_argv[3] = argument_text[3];
  for(int i = 4; i < argc; i++){
    snprintf(argument_text[i], sizeof(argument_text[i]), "a%d", i);
    child_argv[i] = argument_text[i];
  }
  child_argv[argc] = 0;
}

// Exec usertests with argc arguments in a child. Returns the child's report: 'P',
// 'F', or 'X' when exec itself failed.
static char
exec_with_args(int argc)
{
  int p[2], pid;
  char c = '?';

  CHECK_EQ(pipe(p), 0);
  build_child_args(argc, p[1]);
  pid = fork_or_fail();
  if(pid == 0){
    close(p[0]);
    exec(self_path, child_argv);
    write(p[1], "X", 1);
    exit();
  }
  close(p[1]);
  if(read(p[0], &c, 1) != 1)
    fail("the exec child with %d arguments reported nothing", argc);
  close(p[0]);
  wait_for(pid);
  return c;
}

void
test_execargs(void)
{
  char c;

  c = exec_with_args(4);
  if(c != 'P')
    fail("exec with 4 arguments: the child reported %c, expected P", c);
  c = exec_with_args(MAXARG - 1);
  if(c != 'P')
    fail("exec with %d arguments: the child reported %c, expected P", MAXARG - 1, c);

  // MAXARG entries with the terminating 0 is one too many; exec must fail and
  // leave this process as it was.
  build_child_args(MAXARG, 1);
  CHECK_EQ(exec(self_path, child_argv), -1);
  build_child_args(MAXARG + 1, 1);
  CHECK_EQ(exec(self_path, child_argv), -1);

  // 31 arguments of 200 bytes do not fit the one-page stack.
  memset(long_argument, 'x', sizeof(long_argument) - 1);
  build_child_args(MAXARG - 1, 1);
  for(int i = 4; i < MAXARG - 1; i++)
    child_argv[i] = long_argument;
  CHECK_EQ(exec(self_path, child_argv), -1);
}

/*
 * A minimal program: the 52-byte ELF header, one 32-byte program header, then the
 * code "mov $SYS_exit, %eax; int $64". All integers little-endian.
 *
 *   ELF header   0  magic 7f 'E' 'L' 'F', class 1 (32-bit), data 1 (little-endian),
 *                   version 1, 9 bytes of padding
 *               16  u16 type 2 (executable)   18  u16 machine 3 (i386)
 *               20  u32 version 1             24  u32 entry
 *               28  u32 phoff                 32  u32 shoff
 *               36  u32 flags                 40  u16 ehsize 52
 *               42  u16 phentsize 32          44  u16 phnum
 *               46  u16 shentsize             48  u16 shnum     50  u16 shstrndx
 *   program      0  u32 type 1 (PT_LOAD)       4  u32 offset
 *   header       8  u32 vaddr                 12  u32 paddr
 *               16  u32 filesz                20  u32 memsz
 *               24  u32 flags 7 (rwx)         28  u32 align
 */
#define EHDR_SIZE 52
#define PHDR_SIZE 32
#define CODE_OFFSET (EHDR_SIZE + PHDR_SIZE)

static const uchar exit_code[] = { 0xb8, SYS_exit, 0, 0, 0, 0xcd, 0x40 };

struct program {
  uint entry;
  uint phoff;
  uint vaddr;
  uint filesz;
  uint memsz;
};

static uchar image[CODE_OFFSET + sizeof(exit_code)];

static void
put16(uchar *p, uint v)
{
  p[0] = v;
  p[1] = v >> 8;
}

static void
put32(uchar *p, uint v)
{
  put16(p, v);
  put16(p + 2, v >> 16);
}

static struct program
good_program(void)
{
  struct program prog = { CODE_OFFSET, EHDR_SIZE, 0, sizeof(image), sizeof(image) };

  return prog;
}

// Write the program into path.
static void
write_program(const char *path, struct program prog)
{
  uchar *ph = image + EHDR_SIZE;

  memset(image, 0, sizeof(image));
  memmove(image, "\177ELF\1\1\1", 7);
  put16(image + 16, 2);
  put16(image + 18, 3);
  put32(image + 20, 1);
  put32(image + 24, prog.entry);
  put32(image + 28, prog.phoff);
  put16(image + 40, EHDR_SIZE);
  put16(image + 42, PHDR_SIZE);
  put16(image + 44, 1);

  put32(ph + 0, 1);
  put32(ph + 4, 0);
  put32(ph + 8, prog.vaddr);
  put32(ph + 12, prog.vaddr);
  put32(ph + 16, prog.filesz);
  put32(ph + 20, prog.memsz);
  put32(ph + 24, 7);
  put32(ph + 28, PGSIZE);
  memmove(image + CODE_OFFSET, exit_code, sizeof(exit_code));

  write_file(path, image, sizeof(image));
}

// exec path must fail, and this process must carry on unchanged.
static void
expect_exec_fails(const char *path, const char *what)
{
  static volatile int marker;
  char *argv[] = { (char*)path, 0 };

  marker = 12345;
  if(exec((char*)path, argv) != -1)
    fail("exec of %s did not return -1", what);
  if(marker != 12345)
    fail("exec of %s changed memory before failing", what);
}

void
test_execbad(void)
{
  struct program prog;
  int p[2], pid;
  char c;

  unlink("ut.nothing");
  expect_exec_fails("ut.nothing", "a missing file");
  expect_exec_fails(".", "a directory");
  write_file("ut.exe", "", 0);
  expect_exec_fails("ut.exe", "an empty file");
  write_file("ut.exe", "#!/bin/sh\necho not a program\n", 29);
  expect_exec_fails("ut.exe", "a text file");

  prog = good_program();
  write_program("ut.exe", prog);
  image[1] = 'X';
  write_file("ut.exe", image, sizeof(image));
  expect_exec_fails("ut.exe", "a file with a bad ELF magic");

  prog = good_program();
  prog.vaddr = 0x100;
  write_program("ut.exe", prog);
  expect_exec_fails("ut.exe", "a segment at an address that is not page-aligned");

  prog = good_program();
  prog.memsz = prog.filesz - 1;
  write_program("ut.exe", prog);
  expect_exec_fails("ut.exe", "a segment with memsz < filesz");

  prog = good_program();
  prog.vaddr = 0xfffff000;
  prog.memsz = 0x2000;
  write_program("ut.exe", prog);
  expect_exec_fails("ut.exe", "a segment whose end overflows 32 bits");

  prog = good_program();
  prog.vaddr = KERNBASE - PGSIZE;
  prog.memsz = 2 * PGSIZE;
  write_program("ut.exe", prog);
  expect_exec_fails("ut.exe", "a segment that reaches KERNBASE");

  prog = good_program();
  prog.filesz = prog.memsz = 8 * PGSIZE;
  write_program("ut.exe", prog);
  expect_exec_fails("ut.exe", "a segment larger than the file");

  prog = good_program();
  prog.phoff = 4096;
  write_program("ut.exe", prog);
  expect_exec_fails("ut.exe", "a program header beyond the end of the file");

  // The same file with good headers runs, exits at once, and so writes nothing.
  write_program("ut.exe", good_program());
  CHECK_EQ(pipe(p), 0);
  pid = fork_or_fail();
  if(pid == 0){
    char *argv[] = { "ut.exe", 0 };

    close(p[0]);
    exec("ut.exe", argv);
    write(p[1], "X", 1);
    exit();
  }
  close(p[1]);
  if(read(p[0], &c, 1) != 0)
    fail("exec of the valid hand-made program failed");
  close(p[0]);
  wait_for(pid);
  CHECK_EQ(unlink("ut.exe"), 0);
}

void
test_execloop(void)
{
  for(int i = 0; i < 100; i++){
    char c = exec_with_args(5 + i % 20);

    if(c != 'P')
      fail("exec %d: the child reported %c, expected P", i, c);
  }
}
