/*
 * Native runner: executes one IA-32 instruction on the host CPU and reports the state after it.
 *
 * The driver (native.py) writes records to stdin and reads one result per record from stdout.
 * The layout matches the test vectors: code page 0x1000 (RWX), data page 0x2000, stack page
 * 0x3000, everything else below 0x8000 unmapped. For each record the runner
 *   1. fills the code page with hlt (f4), copies the instruction to 0x1000,
 *   2. zeroes the data and stack pages and copies the record's memory chunks into them,
 *   3. loads eflags (popf) and the eight registers, esp last, and jumps to 0x1000.
 * The instruction never returns to the runner. Whatever runs next raises a fault: the hlt after
 * it (#GP at CPL 3), the hlt or unmapped byte at a jump target, or the instruction itself
 * (#DE, #UD). The signal handler, running on an alternate stack so the stack page stays
 * untouched, copies the registers, eip, eflags, trap number and error code from the signal
 * context and returns to the loop with siglongjmp.
 *
 * Record (little-endian u32 unless noted):
 *   0  magic 0x56454354 ("TCEV")       4  code length n (1..15)
 *   8  code bytes, 16 bytes (first n used)
 *   24 eax ecx edx ebx esp ebp esi edi eflags (9 x u32)
 *   60 chunk count k, then k x { u32 address, u32 length, length bytes }
 * Result:
 *   0  magic 0x54534552 ("REST")       4  signal number   8  trap number   12 error code
 *   16 eax ecx edx ebx esp ebp esi edi eflags eip (10 x u32)
 *   56 data page (4096 bytes), then stack page (4096 bytes)
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_PAGE 0x1000u
#define DATA_PAGE 0x2000u
#define STACK_PAGE 0x3000u
#define PAGE_SIZE 0x1000u
#define RECORD_MAGIC 0x56454354u
#define RESULT_MAGIC 0x54534552u
#define HLT 0xf4

/* Register order of the records: eax ecx edx ebx esp ebp esi edi eflags. */
uint32_t caseRegisters[9];
uint32_t codeEntry = CODE_PAGE;

static sigjmp_buf loopContext;
static uint32_t resultWords[14];
static uint8_t alternateStack[65536];

void enterCase(void);

/* Loads the case's eflags and registers and jumps to the instruction; never returns. */
__asm__(
    ".text\n"
    ".globl enterCase\n"
    "enterCase:\n"
    "  pushl caseRegisters+32\n"
    "  popfl\n"
    "  movl caseRegisters+0, %eax\n"
    "  movl caseRegisters+4, %ecx\n"
    "  movl caseRegisters+8, %edx\n"
    "  movl caseRegisters+12, %ebx\n"
    "  movl caseRegisters+20, %ebp\n"
    "  movl caseRegisters+24, %esi\n"
    "  movl caseRegisters+28, %edi\n"
    "  movl caseRegisters+16, %esp\n"
    "  jmp *codeEntry\n");

/* Records the state at the fault that ended the case and resumes the loop. */
static void onFault(int signo, siginfo_t *info, void *context) {
  (void)info;
  /* Clear DF and AC before any C code runs: Linux user mode checks alignment when AC is set. */
  __asm__ volatile("pushl $0x202\n\tpopfl" ::: "cc", "memory");

  const greg_t *gregs = ((ucontext_t *)context)->uc_mcontext.gregs;
  resultWords[0] = RESULT_MAGIC;
  resultWords[1] = (uint32_t)signo;
  resultWords[2] = (uint32_t)gregs[REG_TRAPNO];
  resultWords[3] = (uint32_t)gregs[REG_ERR];
  resultWords[4] = (uint32_t)gregs[REG_EAX];
  resultWords[5] = (uint32_t)gregs[REG_ECX];
  resultWords[6] = (uint32_t)gregs[REG_EDX];
  resultWords[7] = (uint32_t)gregs[REG_EBX];
  resultWords[8] = (uint32_t)gregs[REG_UESP];
  resultWords[9] = (uint32_t)gregs[REG_EBP];
  resultWords[10] = (uint32_t)gregs[REG_ESI];
  resultWords[11] = (uint32_t)gregs[REG_EDI];
  resultWords[12] = (uint32_t)gregs[REG_EFL];
  resultWords[13] = (uint32_t)gregs[REG_EIP];
  siglongjmp(loopContext, 1);
}

static void failWith(const char *message) {
  fprintf(stderr, "native_runner: %s\n", message);
  exit(2);
}

static int readExactly(void *buffer, size_t length) {
  size_t done = fread(buffer, 1, length, stdin);
  if (done == 0 && length > 0 && feof(stdin)) return 0;
  if (done != length) failWith("truncated record on stdin");
  return 1;
}

static void mapPage(uint32_t address, int protection) {
  void *page = mmap((void *)(uintptr_t)address, PAGE_SIZE, protection,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (page != (void *)(uintptr_t)address) {
    perror("mmap");
    failWith("cannot map a layout page (is vm.mmap_min_addr above 4096?)");
  }
}

static void installHandlers(void) {
  stack_t alternate = {.ss_sp = alternateStack, .ss_size = sizeof alternateStack, .ss_flags = 0};
  if (sigaltstack(&alternate, NULL) != 0) failWith("sigaltstack failed");

  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = onFault;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  const int signals[] = {SIGSEGV, SIGILL, SIGFPE, SIGBUS, SIGTRAP, SIGALRM};
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
    if (sigaction(signals[i], &action, NULL) != 0) failWith("sigaction failed");
  }
}

/* Reads one record into the pages and caseRegisters; returns 0 at end of input. */
static int loadRecord(void) {
  uint32_t header[2];
  uint8_t code[16];
  uint32_t chunkCount;

  if (!readExactly(header, sizeof header)) return 0;
  if (header[0] != RECORD_MAGIC || header[1] == 0 || header[1] > 15) failWith("invalid record header (wrong magic or code length)");
  readExactly(code, sizeof code);
  readExactly(caseRegisters, sizeof caseRegisters);
  readExactly(&chunkCount, sizeof chunkCount);

  memset((void *)(uintptr_t)CODE_PAGE, HLT, PAGE_SIZE);
  memcpy((void *)(uintptr_t)CODE_PAGE, code, header[1]);
  memset((void *)(uintptr_t)DATA_PAGE, 0, 2 * PAGE_SIZE);
  for (uint32_t i = 0; i < chunkCount; i++) {
    uint32_t chunk[2];
    readExactly(chunk, sizeof chunk);
    if (chunk[0] < DATA_PAGE || chunk[1] > STACK_PAGE + PAGE_SIZE - chunk[0]) {
      failWith("memory chunk outside the data and stack pages");
    }
    readExactly((void *)(uintptr_t)chunk[0], chunk[1]);
  }
  return 1;
}

int main(void) {
  mapPage(CODE_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC);
  mapPage(DATA_PAGE, PROT_READ | PROT_WRITE);
  mapPage(STACK_PAGE, PROT_READ | PROT_WRITE);
  installHandlers();

  while (loadRecord()) {
    /* An instruction that loops forever (a jump to itself) ends with SIGALRM after 5 s. */
    alarm(5);
    if (sigsetjmp(loopContext, 1) == 0) enterCase();
    alarm(0);
    fwrite(resultWords, sizeof resultWords, 1, stdout);
    fwrite((void *)(uintptr_t)DATA_PAGE, 1, 2 * PAGE_SIZE, stdout);
  }
  fflush(stdout);
  return 0;
}
