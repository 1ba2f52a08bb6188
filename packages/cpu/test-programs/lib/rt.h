/*
 * A tiny freestanding C runtime for the CPU's whole-program tests. Programs built with it run both
 * natively on i386 Linux and on the bare test harness, which implements the same two system calls
 * through `int $0x80` with Linux numbering: write (4) and exit (1).
 */
#ifndef RT_H
#define RT_H

#include <stdarg.h>

typedef unsigned int size_t;
typedef unsigned long long u64;
typedef long long i64;
typedef unsigned int u32;
typedef int i32;

int sys_write(int fd, const void *buf, int n);
void sys_exit(int status) __attribute__((noreturn));

/* Formatted output to fd 1, buffered until a newline or flush: %d %u %x %s %c %lld %llu %llx %%. */
void print(const char *format, ...);
void flush(void);

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
char *strcpy(char *dst, const char *src);
char *strchr(const char *s, int c);
int atoi(const char *s);

void sort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *));

/* setjmp/longjmp of our own: saves ebx, esi, edi, ebp, esp and the return address. */
typedef unsigned int jmp_buf[6];
int rt_setjmp(jmp_buf env) __attribute__((returns_twice));
void rt_longjmp(jmp_buf env, int value) __attribute__((noreturn));

/* A deterministic xorshift generator. */
u32 random32(void);
void seed_random(u32 seed);

#endif
