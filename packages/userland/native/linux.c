/*
 * The xv6 system calls implemented with Linux system calls, for the native test
 * build (see start.S). Only what the natively tested programs need behaves like
 * xv6; the checkpoint calls always fail.
 *
 * Tests must allow for these differences from xv6. kill sends SIGKILL. unlink falls
 * back to rmdir for a directory. sleep and uptime count 10 ms ticks of the monotonic
 * clock. A read of a directory fails because Linux returns EISDIR, so ls does not
 * work here.
 */
#include "types.h"
#include "stat.h"
#include "fcntl.h"
#include "user.h"

int linux_syscall(int number, int a, int b, int c, int d);

// Linux i386 system-call numbers.
#define LINUX_FORK 2
#define LINUX_READ 3
#define LINUX_WRITE 4
#define LINUX_OPEN 5
#define LINUX_CLOSE 6
#define LINUX_LINK 9
#define LINUX_UNLINK 10
#define LINUX_EXECVE 11
#define LINUX_CHDIR 12
#define LINUX_MKNOD 14
#define LINUX_GETPID 20
#define LINUX_KILL 37
#define LINUX_MKDIR 39
#define LINUX_RMDIR 40
#define LINUX_DUP 41
#define LINUX_PIPE 42
#define LINUX_BRK 45
#define LINUX_WAIT4 114
#define LINUX_NANOSLEEP 162
#define LINUX_FSTAT64 197
#define LINUX_EXIT_GROUP 252
#define LINUX_CLOCK_GETTIME 265

#define LINUX_O_CREAT 0100
#define LINUX_EISDIR 21
#define LINUX_SIGKILL 9
#define LINUX_CLOCK_MONOTONIC 1
#define LINUX_S_IFMT 0170000
#define LINUX_S_IFDIR 0040000
#define LINUX_S_IFCHR 0020000

// Map Linux's -errno results to xv6's -1.
static int
call(int number, int a, int b, int c, int d)
{
  int r = linux_syscall(number, a, b, c, d);

  return r < 0 && r > -4096 ? -1 : r;
}

int fork(void) { return call(LINUX_FORK, 0, 0, 0, 0); }
int read(int fd, void *buf, int n) { return call(LINUX_READ, fd, (int)buf, n, 0); }
int write(int fd, const void *buf, int n) { return call(LINUX_WRITE, fd, (int)buf, n, 0); }
int close(int fd) { return call(LINUX_CLOSE, fd, 0, 0, 0); }
int link(const char *old, const char *new) { return call(LINUX_LINK, (int)old, (int)new, 0, 0); }
int chdir(const char *path) { return call(LINUX_CHDIR, (int)path, 0, 0, 0); }
int getpid(void) { return call(LINUX_GETPID, 0, 0, 0, 0); }
int dup(int fd) { return call(LINUX_DUP, fd, 0, 0, 0); }
int pipe(int *fds) { return call(LINUX_PIPE, (int)fds, 0, 0, 0); }
int mkdir(const char *path) { return call(LINUX_MKDIR, (int)path, 0755, 0, 0); }
int kill(int pid) { return pid <= 0 ? -1 : call(LINUX_KILL, pid, LINUX_SIGKILL, 0, 0); }
int wait(void) { return call(LINUX_WAIT4, -1, 0, 0, 0); }

int
exit(void)
{
  for(;;)
    linux_syscall(LINUX_EXIT_GROUP, 0, 0, 0, 0);
}

int
open(const char *path, int omode)
{
  int flags = omode & (O_WRONLY | O_RDWR);

  if(omode & O_CREATE)
    flags |= LINUX_O_CREAT;
  return call(LINUX_OPEN, (int)path, flags, 0644, 0);
}

int
exec(char *path, char **argv)
{
  static char *no_environment[] = { 0 };

  return call(LINUX_EXECVE, (int)path, (int)argv, (int)no_environment, 0);
}

int
mknod(const char *path, short major, short minor)
{
  return call(LINUX_MKNOD, (int)path, LINUX_S_IFCHR | 0644, (major << 8) | minor, 0);
}

int
unlink(const char *path)
{
  int r = linux_syscall(LINUX_UNLINK, (int)path, 0, 0, 0);

  if(r == -LINUX_EISDIR)
    return call(LINUX_RMDIR, (int)path, 0, 0, 0);
  return r < 0 ? -1 : r;
}

/*
 * Linux's struct stat64 on i386 (96 bytes), the fields used here:
 *   offset  0  u64 st_dev     offset 16  u32 st_mode   offset 20  u32 st_nlink
 *   offset 44  s64 st_size    offset 88  u64 st_ino
 */
int
fstat(int fd, struct stat *st)
{
  uint raw[24];
  uint mode;

  if(call(LINUX_FSTAT64, fd, (int)raw, 0, 0) < 0)
    return -1;
  mode = raw[16 / 4] & LINUX_S_IFMT;
  st->type = T_FILE;
  if(mode == LINUX_S_IFDIR)
    st->type = T_DIR;
  else if(mode == LINUX_S_IFCHR)
    st->type = T_DEV;
  st->dev = raw[0];
  st->ino = raw[88 / 4];
  st->nlink = raw[20 / 4];
  st->size = raw[44 / 4];
  return 0;
}

char*
sbrk(int n)
{
  static uint top;
  uint old;

  if(top == 0)
    top = linux_syscall(LINUX_BRK, 0, 0, 0, 0);
  old = top;
  if(n != 0){
    uint requested = top + n;

    if((uint)linux_syscall(LINUX_BRK, requested, 0, 0, 0) != requested)
      return (char*)-1;
    top = requested;
  }
  return (char*)old;
}

int
sleep(int ticks)
{
  int duration[2] = { ticks / 100, (ticks % 100) * 10000000 };

  if(ticks <= 0)
    return 0;
  return call(LINUX_NANOSLEEP, (int)duration, 0, 0, 0) < 0 ? -1 : 0;
}

int
uptime(void)
{
  int now[2];

  call(LINUX_CLOCK_GETTIME, LINUX_CLOCK_MONOTONIC, (int)now, 0, 0);
  return now[0] * 100 + now[1] / 10000000;
}

int checkpoint(int pid, char *path) { return -1; }
int restart(char *path) { return -1; }
int ckptinfo(char *path, char *buf, int n) { return -1; }
