/* Strings, hashing, bit tricks and a switch-driven tokenizer (jump tables). */
#include "lib/rt.h"

static u32 crc_table[256];

static void make_crc_table(void) {
  for (u32 n = 0; n < 256; n++) {
    u32 c = n;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
}

static u32 crc32(const char *data, size_t length) {
  u32 c = 0xffffffffu;
  for (size_t i = 0; i < length; i++) c = crc_table[(c ^ (unsigned char)data[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

static u32 fnv1a(const char *s) {
  u32 hash = 2166136261u;
  while (*s) hash = (hash ^ (unsigned char)*s++) * 16777619u;
  return hash;
}

static int popcount(u32 x) {
  x = x - ((x >> 1) & 0x55555555u);
  x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
  return (int)((((x + (x >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24);
}

static u32 reverse_bits(u32 x) {
  x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
  x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
  x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
  return __builtin_bswap32(x);
}

static u32 rotate_left(u32 x, int n) {
  return (x << (n & 31)) | (x >> ((32 - n) & 31));
}

enum token { NUMBER, WORD, PLUS, MINUS, STAR, SLASH, LPAREN, RPAREN, SPACE, OTHER, END };

static enum token classify(char c) {
  switch (c) {
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return NUMBER;
    case '+': return PLUS;
    case '-': return MINUS;
    case '*': return STAR;
    case '/': return SLASH;
    case '(': return LPAREN;
    case ')': return RPAREN;
    case ' ': case '\t': case '\n': return SPACE;
    case 0: return END;
    default:
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ? WORD : OTHER;
  }
}

static const char *token_name(enum token t) {
  switch (t) {
    case NUMBER: return "num";
    case WORD: return "word";
    case PLUS: return "+";
    case MINUS: return "-";
    case STAR: return "*";
    case SLASH: return "/";
    case LPAREN: return "(";
    case RPAREN: return ")";
    case SPACE: return "_";
    case OTHER: return "?";
    default: return "$";
  }
}

/* A recursive-descent calculator over the tokens. */
static const char *cursor;

static void skip_spaces(void) {
  while (classify(*cursor) == SPACE) cursor++;
}

static int expression(void);

static int factor(void) {
  skip_spaces();
  if (*cursor == '(') {
    cursor++;
    int value = expression();
    skip_spaces();
    cursor++;
    return value;
  }
  if (*cursor == '-') {
    cursor++;
    return -factor();
  }
  int value = 0;
  while (classify(*cursor) == NUMBER) value = value * 10 + (*cursor++ - '0');
  return value;
}

static int term(void) {
  int value = factor();
  for (;;) {
    skip_spaces();
    if (*cursor == '*') cursor++, value *= factor();
    else if (*cursor == '/') {
      cursor++;
      int divisor = factor();
      value = divisor ? value / divisor : 0;
    } else return value;
  }
}

static int expression(void) {
  int value = term();
  for (;;) {
    skip_spaces();
    if (*cursor == '+') cursor++, value += term();
    else if (*cursor == '-') cursor++, value -= term();
    else return value;
  }
}

static int evaluate(const char *text) {
  cursor = text;
  return expression();
}

int main(void) {
  make_crc_table();
  static const char text[] = "The quick brown fox jumps over the lazy dog";
  print("crc32 %x\n", crc32(text, strlen(text)));
  print("fnv1a %x len %u\n", fnv1a(text), strlen(text));

  char buffer[128];
  strcpy(buffer, text);
  memmove(buffer + 4, buffer, 20);
  buffer[30] = 0;
  print("memmove '%s'\n", buffer);
  memset(buffer, 'x', 10);
  print("memset '%s' cmp %d %d %d\n", buffer, strcmp("abc", "abd") < 0, strcmp("b", "a") > 0, memcmp("xyz", "xyz", 3));
  print("strchr '%s' atoi %d\n", strchr(text, 'j'), atoi("-48213"));

  u32 mix = 0;
  for (u32 x = 1; x < 5000; x = x * 3 + 7) {
    mix += (u32)popcount(x) + reverse_bits(x) + rotate_left(x, (int)(x & 31));
    mix ^= (u32)__builtin_clz(x) << 8 | (u32)__builtin_ctz(x);
    mix += (u32)__builtin_popcount(x) + (u32)__builtin_parity(x);
  }
  print("bits %x popcount %d reverse %x\n", mix, popcount(0xf0f0f0f1u), reverse_bits(0x12345678u));

  static const char program[] = "foo(12 + bar) * 3 - x_1 / 7 # !";
  for (const char *p = program; ; p++) {
    enum token t = classify(*p);
    print("%s ", token_name(t));
    if (t == END) break;
  }
  print("\n");
  print("calc %d %d %d\n", evaluate("1 + 2 * 3 - (4 - 10) * 7"), evaluate("((2+3)*(4+5))/3"), evaluate("-8 / 3 + 100 * -2"));
  return 0;
}
