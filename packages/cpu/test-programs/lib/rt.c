/* The runtime of rt.h: system calls, output, string functions, sorting, setjmp. */
#include "rt.h"

int main(int argc, char **argv);

/* Linux i386 process entry: esp points at argc, then argv[0..argc-1], 0, envp... */
__asm__(
    ".globl _start\n"
    "_start:\n"
    "  xor %ebp, %ebp\n"
    "  mov (%esp), %eax\n"
    "  lea 4(%esp), %ecx\n"
    "  and $-16, %esp\n"
    "  sub $8, %esp\n"
    "  push %ecx\n"
    "  push %eax\n"
    "  call rt_start\n"
    "  hlt\n");

void rt_start(int argc, char **argv) {
  int status = main(argc, argv);
  flush();
  sys_exit(status);
}

int sys_write(int fd, const void *buf, int n) {
  int result;
  __asm__ volatile("int $0x80" : "=a"(result) : "a"(4), "b"(fd), "c"(buf), "d"(n) : "memory");
  return result;
}

void sys_exit(int status) {
  __asm__ volatile("int $0x80" : : "a"(1), "b"(status) : "memory");
  for (;;) {
  }
}

static char out[512];
static int out_len;

void flush(void) {
  if (out_len > 0) sys_write(1, out, out_len);
  out_len = 0;
}

static void put(char c) {
  if (out_len == sizeof out) flush();
  out[out_len++] = c;
  if (c == '\n') flush();
}

static void put_unsigned(u64 value, unsigned base, int width, char pad) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = "0123456789abcdef"[value % base];
    value /= base;
  } while (value != 0);
  while (width-- > n) put(pad);
  while (n > 0) put(digits[--n]);
}

void print(const char *format, ...) {
  va_list args;
  va_start(args, format);
  for (const char *p = format; *p; p++) {
    if (*p != '%') {
      put(*p);
      continue;
    }
    p++;
    char pad = ' ';
    int width = 0;
    if (*p == '0') pad = '0';
    while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
    int long_long = 0;
    while (*p == 'l') {
      long_long++;
      p++;
    }
    switch (*p) {
      case 'd': {
        i64 v = long_long >= 2 ? va_arg(args, i64) : va_arg(args, int);
        if (v < 0) {
          put('-');
          put_unsigned((u64)-v, 10, width - 1, pad);
        } else {
          put_unsigned((u64)v, 10, width, pad);
        }
        break;
      }
      case 'u':
        put_unsigned(long_long >= 2 ? va_arg(args, u64) : va_arg(args, unsigned), 10, width, pad);
        break;
      case 'x':
        put_unsigned(long_long >= 2 ? va_arg(args, u64) : va_arg(args, unsigned), 16, width, pad);
        break;
      case 's':
        for (const char *s = va_arg(args, const char *); *s; s++) put(*s);
        break;
      case 'c':
        put((char)va_arg(args, int));
        break;
      default:
        put(*p);
        break;
    }
  }
  va_end(args);
}

/* The loop-to-library-call transformation would turn these loops into calls to themselves. */
#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LIBCALLS void *memcpy(void *dst, const void *src, size_t n) {
  char *d = dst;
  const char *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

NO_LIBCALLS void *memmove(void *dst, const void *src, size_t n) {
  char *d = dst;
  const char *s = src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    while (n--) d[n] = s[n];
  }
  return dst;
}

NO_LIBCALLS void *memset(void *dst, int c, size_t n) {
  char *d = dst;
  while (n--) *d++ = (char)c;
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n > 0; n--, x++, y++) {
    if (*x != *y) return *x - *y;
  }
  return 0;
}

NO_LIBCALLS size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

int strcmp(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return (unsigned char)*a - (unsigned char)*b;
}

NO_LIBCALLS char *strcpy(char *dst, const char *src) {
  char *d = dst;
  while ((*d++ = *src++)) {
  }
  return dst;
}

char *strchr(const char *s, int c) {
  for (; *s; s++) {
    if (*s == (char)c) return (char *)s;
  }
  return c == 0 ? (char *)s : 0;
}

int atoi(const char *s) {
  int sign = 1, value = 0;
  if (*s == '-') sign = -1, s++;
  while (*s >= '0' && *s <= '9') value = value * 10 + (*s++ - '0');
  return sign * value;
}

static void swap_bytes(char *a, char *b, size_t size) {
  while (size--) {
    char t = *a;
    *a++ = *b;
    *b++ = t;
  }
}

/* Quicksort with an insertion sort for short ranges; compares through a function pointer. */
void sort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *)) {
  char *b = base;
  while (count > 8) {
    char *pivot = b + (count / 2) * size;
    swap_bytes(pivot, b, size);
    size_t last = 0;
    for (size_t i = 1; i < count; i++) {
      if (compare(b + i * size, b) < 0) swap_bytes(b + ++last * size, b + i * size, size);
    }
    swap_bytes(b, b + last * size, size);
    sort(b, last, size, compare);
    b += (last + 1) * size;
    count -= last + 1;
  }
  for (size_t i = 1; i < count; i++) {
    for (size_t j = i; j > 0 && compare(b + (j - 1) * size, b + j * size) > 0; j--) {
      swap_bytes(b + (j - 1) * size, b + j * size, size);
    }
  }
}

__asm__(
    ".globl rt_setjmp\n"
    "rt_setjmp:\n"
    "  mov 4(%esp), %eax\n"
    "  mov %ebx, 0(%eax)\n"
    "  mov %esi, 4(%eax)\n"
    "  mov %edi, 8(%eax)\n"
    "  mov %ebp, 12(%eax)\n"
    "  lea 4(%esp), %ecx\n"
    "  mov %ecx, 16(%eax)\n"
    "  mov (%esp), %ecx\n"
    "  mov %ecx, 20(%eax)\n"
    "  xor %eax, %eax\n"
    "  ret\n"
    ".globl rt_longjmp\n"
    "rt_longjmp:\n"
    "  mov 4(%esp), %edx\n"
    "  mov 8(%esp), %eax\n"
    "  test %eax, %eax\n"
    "  jnz 1f\n"
    "  inc %eax\n"
    "1:\n"
    "  mov 0(%edx), %ebx\n"
    "  mov 4(%edx), %esi\n"
    "  mov 8(%edx), %edi\n"
    "  mov 12(%edx), %ebp\n"
    "  mov 16(%edx), %esp\n"
    "  jmp *20(%edx)\n");

static u32 random_state = 2463534242u;

void seed_random(u32 seed) {
  random_state = seed ? seed : 1;
}

u32 random32(void) {
  u32 x = random_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return random_state = x;
}
