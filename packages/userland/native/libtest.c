/*
 * libtest: a native test driver for the C library. It runs the library's functions
 * on fixed inputs and prints one line per case, which test/native-lib.test.ts
 * compares with the expected text. Lines are "<section> <case>: <result>"; checks
 * that compare against a reference print "ok" or the first difference.
 *
 * The sections run in a fixed order, and the last one exhausts the heap to reach
 * printf's path for output that neither the stack buffer nor malloc can hold.
 */
#include "types.h"
#include "stat.h"
#include "fcntl.h"
#include "user.h"
#include "xv6ts.h"

static char buf[512];

#define FORMAT(label, ...) do { \
    int n_ = snprintf(buf, sizeof(buf), __VA_ARGS__); \
    printf(1, "format %s: [%s] %d\n", label, buf, n_); \
  } while(0)

// gcc would reject these two cases at compile time, so they pass through variables.
static const char * volatile zero_flag_with_precision = "%06.2d|";
static char * volatile null_string;

static void
test_formats(void)
{
  FORMAT("d zero", "%d", 0);
  FORMAT("d positive", "%d", 42);
  FORMAT("d negative", "%d", -42);
  FORMAT("d min", "%d", (int)0x80000000);
  FORMAT("d max", "%d", 0x7fffffff);
  FORMAT("i", "%i", -7);
  FORMAT("u max", "%u", 0xffffffffu);
  FORMAT("x", "%x", 0xdeadbeefu);
  FORMAT("X", "%X", 0xdeadbeefu);
  FORMAT("x zero", "%x", 0u);
  FORMAT("p", "%p", (void*)0x1234);
  FORMAT("s", "%s", "hello");
  FORMAT("s null", "%s", null_string);
  FORMAT("c", "%c%c", 'o', 'k');
  FORMAT("percent", "100%%");
  FORMAT("width", "%5d", 42);
  FORMAT("left", "%-5d|", 42);
  FORMAT("zero pad", "%05d", -42);
  FORMAT("zero pad hex", "%08x", 0xbeefu);
  FORMAT("precision", "%.3d", 7);
  FORMAT("precision zero", "%.0d|", 0);
  FORMAT("precision and width", "%6.3d|", -7);
  FORMAT("zero flag with precision", zero_flag_with_precision, 5);
  FORMAT("string width", "%6s|", "hi");
  FORMAT("string left", "%-6s|", "hi");
  FORMAT("string precision", "%.2s|", "hello");
  FORMAT("star width", "%*d|", 6, 42);
  FORMAT("negative star", "%*d|", -4, 1);
  FORMAT("star precision", "%.*s|", 3, "abcdef");
  FORMAT("long", "%ld %lu %lx", 123L, 456UL, 0xabUL);
  FORMAT("char width", "%3c|", 'x');
  FORMAT("mixed", "pid %d: %s at 0x%x", 3, "sh", 0x1000u);
}

static void
test_snprintf_limits(void)
{
  char small[8];
  int n;

  memset(small, '#', sizeof(small));
  n = snprintf(small, 5, "%s", "hello world");
  printf(1, "snprintf truncates: [%s] %d\n", small, n);

  memset(small, '#', sizeof(small));
  n = snprintf(small, 0, "%d", 12345);
  printf(1, "snprintf size 0: %d, first byte %c\n", n, small[0]);

  n = snprintf(small, 1, "abc");
  printf(1, "snprintf size 1: [%s] %d\n", small, n);
}

static void
test_long_printf(void)
{
  static char text[1001];

  for(int i = 0; i < 1000; i++)
    text[i] = 'a' + i % 26;
  text[1000] = 0;
  printf(1, "printf long: %s\n", text);
}

static void
test_strings(void)
{
  char a[16];

  printf(1, "strlen: %d %d\n", strlen(""), strlen("hello"));
  printf(1, "strcmp: %d %d %d %d\n", strcmp("abc", "abc") == 0, strcmp("abc", "abd") < 0,
         strcmp("b", "abc") > 0, strcmp("a\xff", "a\x01") > 0);
  printf(1, "strncmp: %d %d %d\n", strncmp("abcx", "abcy", 3) == 0,
         strncmp("abcx", "abcy", 4) < 0, strncmp("ab", "abc", 5) < 0);
  printf(1, "strchr: %s %d %d\n", strchr("hello", 'l'), strchr("hello", 'z') == 0,
         strchr("hello", 0) == 0);
  printf(1, "strcpy: %s\n", strcpy(a, "copied"));
  printf(1, "memcmp: %d %d %d\n", memcmp("abc", "abd", 2) == 0, memcmp("abc", "abd", 3) < 0,
         memcmp("\xff", "\x01", 1) > 0);
}

// Check memset, memmove and memcpy against byte-at-a-time references for every
// alignment and every length up to 40, overlapping in both directions.
static void
test_memory_functions(void)
{
  static uchar actual[128], reference[128];

  for(int dst = 0; dst < 8; dst++)
    for(int src = 0; src < 8; src++)
      for(int n = 0; n <= 40; n++){
        for(int i = 0; i < 128; i++)
          actual[i] = reference[i] = i * 7 + 1;
        memmove(actual + 40 + dst, actual + 40 + src * 3 - 8, n);
        uchar temp[64];
        for(int i = 0; i < n; i++)
          temp[i] = reference[40 + src * 3 - 8 + i];
        for(int i = 0; i < n; i++)
          reference[40 + dst + i] = temp[i];
        if(memcmp(actual, reference, sizeof(actual)) != 0){
          printf(1, "memmove: differs for dst %d src %d n %d\n", dst, src, n);
          return;
        }
      }
  printf(1, "memmove: ok\n");

  for(int offset = 0; offset < 8; offset++)
    for(int n = 0; n <= 40; n++){
      memset(actual, 0, sizeof(actual));
      memset(actual + offset, 0x5a, n);
      for(int i = 0; i < 128; i++){
        if(actual[i] != (i >= offset && i < offset + n ? 0x5a : 0)){
          printf(1, "memset: differs at %d for offset %d n %d\n", i, offset, n);
          return;
        }
      }
    }
  printf(1, "memset: ok\n");

  memset(actual, 0, sizeof(actual));
  memcpy(actual + 3, "memcpy works", 13);
  printf(1, "memcpy: %s\n", (char*)actual + 3);
  printf(1, "memmove negative length: %d\n", memmove(actual, reference, -5) == actual);
}

// Print label, then fn's result for each of the count inputs, on one line.
static void
print_results(const char *label, int (*fn)(const char*), const char **inputs, int count)
{
  printf(1, "%s:", label);
  for(int i = 0; i < count; i++)
    printf(1, " %d", fn(inputs[i]));
  printf(1, "\n");
}

static void
test_atoi(void)
{
  static const char *inputs[] = {
    "0", "123", "-45", "+7", "12abc", "", "abc", " 5", "2147483647", "-2147483648",
  };

  print_results("atoi", atoi, inputs, sizeof(inputs) / sizeof(inputs[0]));
}

static void
test_is_number(void)
{
  static const char *inputs[] = {
    "0", "123", "4294967296", "", "-1", "+1", " 1", "1 ", "12a", "x",
  };

  print_results("is_number", is_number, inputs, sizeof(inputs) / sizeof(inputs[0]));
}

// Print what gets returns for each line of fd 0, with control bytes escaped.
static void
test_gets(void)
{
  char line[8];

  for(;;){
    gets(line, sizeof(line));
    if(line[0] == 0)
      break;
    printf(1, "gets: [");
    for(char *c = line; *c != 0; c++){
      if(*c == '\n')
        printf(1, "\\n");
      else if(*c == '\r')
        printf(1, "\\r");
      else
        printf(1, "%c", *c);
    }
    printf(1, "]\n");
  }
  printf(1, "gets: end\n");
}

static void
test_stat(void)
{
  struct stat st;
  int fd = open("libtest.tmp", O_CREATE | O_RDWR);
  int r;

  write(fd, "twelve bytes", 12);
  close(fd);
  r = stat("libtest.tmp", &st);
  printf(1, "stat file: %d type %d size %d\n", r, st.type, st.size);
  r = stat(".", &st);
  printf(1, "stat dir: %d type %d\n", r, st.type);
  printf(1, "stat missing: %d\n", stat("libtest.missing", &st));
  unlink("libtest.tmp");
}

#define SLOTS 64

// Allocate and free in a pseudo-random order, with every block filled with a pattern
// that is checked before it is freed.
static void
test_malloc_stress(void)
{
  static uchar *slot[SLOTS];
  static uint size[SLOTS];
  uint state = 12345;

  for(int round = 0; round < 4000; round++){
    int i;

    state = state * 1103515245 + 12345;
    i = (state >> 16) % SLOTS;
    if(slot[i] != 0){
      for(uint b = 0; b < size[i]; b++){
        if(slot[i][b] != (uchar)(i + b)){
          printf(1, "malloc stress: block %d byte %d changed\n", i, b);
          return;
        }
      }
      free(slot[i]);
      slot[i] = 0;
      continue;
    }
    size[i] = (state >> 4) % 3000;
    slot[i] = malloc(size[i]);
    if(slot[i] == 0 || ((uint)slot[i] & 7) != 0){
      printf(1, "malloc stress: bad pointer %p for %d bytes\n", slot[i], size[i]);
      return;
    }
    for(uint b = 0; b < size[i]; b++)
      slot[i][b] = i + b;
  }
  for(int i = 0; i < SLOTS; i++)
    free(slot[i]);
  printf(1, "malloc stress: ok\n");
}

static void
test_malloc_reuse(void)
{
  char *top = sbrk(0);
  char *a = malloc(1000), *b = malloc(1000), *c = malloc(1000);
  char *zero1 = malloc(0), *zero2 = malloc(0);
  char *big;

  printf(1, "malloc zero: %d %d\n", zero1 != 0, zero1 != zero2);
  free(zero1);
  free(zero2);
  free(0);
  free(b);
  free(a);
  free(c);
  // The three blocks merged again, so 3000 bytes fit without growing the heap.
  big = malloc(3000);
  printf(1, "malloc reuse: %d\n", big != 0 && (top == sbrk(0) || big < (char*)sbrk(0)));
  free(big);
  printf(1, "malloc too large: %d\n", malloc(0xfffffff0u) == 0);
}

static void
test_double_free(void)
{
  int pid = fork();

  if(pid == 0){
    char *p = malloc(16);

    free(p);
    free(p);
    printf(1, "double free: not detected\n");
    exit();
  }
  wait();
  printf(1, "double free: child ended\n");
}

// Exhaust the heap, then print more than printf's stack buffer holds, which makes
// printf write it in pieces.
static void
test_printf_without_memory(void)
{
  static char text[701];
  uint chunk = 1 << 24;
  int blocks = 0;

  while(chunk >= 8){
    if(malloc(chunk) != 0)
      blocks++;
    else
      chunk /= 2;
  }
  for(int i = 0; i < 700; i++)
    text[i] = '0' + i % 10;
  text[700] = 0;
  printf(1, "printf without memory: %d %s\n", blocks > 0, text);
}

int
main(void)
{
  test_formats();
  test_snprintf_limits();
  test_long_printf();
  test_strings();
  test_memory_functions();
  test_atoi();
  test_is_number();
  test_gets();
  test_stat();
  test_malloc_reuse();
  test_malloc_stress();
  test_double_free();
  test_printf_without_memory();
  exit();
}
