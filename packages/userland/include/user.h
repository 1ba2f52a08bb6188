/*
 * The xv6 user API: system calls and the small C library.
 *
 * Programs written for xv6 include "types.h", "stat.h" and "user.h" (and "fcntl.h" and
 * "fs.h" when they need them) and compile unchanged. The signatures are xv6's. There is
 * no errno: a call that fails returns -1.
 *
 * Beyond xv6's library this one offers memcmp, memcpy, strncmp, vprintf, snprintf and
 * vsnprintf. printf takes %d %i %u %x %X %p %s %c %%, the flags '-' and '0', a width
 * and a precision, and writes each call's output with one write().
 */
#ifndef XV6_USER_H
#define XV6_USER_H

// With XV6TS_CHECK_FORMATS defined, gcc checks printf arguments against the format.
// It is off by default because xv6 sources pass pointers to %x, which gcc would flag.
#ifdef XV6TS_CHECK_FORMATS
#define XV6_FORMAT(fmt, first) __attribute__((format(printf, fmt, first)))
#else
#define XV6_FORMAT(fmt, first)
#endif

struct stat;

// System calls (int $64, number in eax, arguments on the stack).
int fork(void);
int exit(void) __attribute__((noreturn));
int wait(void);
int pipe(int*);
int write(int, const void*, int);
int read(int, void*, int);
int close(int);
int kill(int);
int exec(char*, char**);
int open(const char*, int);
int mknod(const char*, short, short);
int unlink(const char*);
int fstat(int fd, struct stat*);
int link(const char*, const char*);
int mkdir(const char*);
int chdir(const char*);
int dup(int);
int getpid(void);
char* sbrk(int);
int sleep(int);
int uptime(void);

// xv6ts checkpoint calls.
int checkpoint(int pid, char *path);
int restart(char *path);
int ckptinfo(char *path, char *buf, int n);

// The C library.
int stat(const char*, struct stat*);
char* strcpy(char*, const char*);
void *memmove(void*, const void*, int);
char* strchr(const char*, char c);
int strcmp(const char*, const char*);
void printf(int, const char*, ...) XV6_FORMAT(2, 3);
char* gets(char*, int max);
unsigned int strlen(const char*);
void* memset(void*, int, unsigned int);
void* malloc(unsigned int);
void free(void*);
int atoi(const char*);

// Additions to xv6's library.
int memcmp(const void*, const void*, unsigned int);
void* memcpy(void*, const void*, unsigned int);
int strncmp(const char*, const char*, unsigned int);
void vprintf(int fd, const char *fmt, __builtin_va_list ap);
int snprintf(char *buf, int size, const char *fmt, ...) XV6_FORMAT(3, 4);
int vsnprintf(char *buf, int size, const char *fmt, __builtin_va_list ap);

#endif
