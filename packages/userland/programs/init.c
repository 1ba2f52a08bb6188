/*
 * init: the first user process (pid 1).
 *
 * It opens the console as descriptors 0, 1 and 2, creating the device node
 * "console" (major 1, minor 1) when the disk has none, and then runs the shell
 * forever: start sh, wait, start a new sh when it exits. Processes whose parent
 * exits are handed to init, so its wait loop also reaps them; it does so quietly.
 * init must never exit, because the kernel panics when it does.
 */
#include "types.h"
#include "stat.h"
#include "fcntl.h"
#include "user.h"

#define CONSOLE_MAJOR 1
#define CONSOLE_MINOR 1

static char *sh_argv[] = { "sh", 0 };

// Open the console as fds 0, 1 and 2. Returns 0, or -1 if it cannot be opened.
static int
open_console(void)
{
  if(open("console", O_RDWR) < 0){
    mknod("console", CONSOLE_MAJOR, CONSOLE_MINOR);
    if(open("console", O_RDWR) < 0)
      return -1;
  }
  dup(0);
  dup(0);
  return 0;
}

// Start a shell. Returns its pid, or -1 if fork failed.
static int
start_shell(void)
{
  int pid;

  printf(1, "init: starting sh\n");
  pid = fork();
  if(pid == 0){
    exec("sh", sh_argv);
    printf(1, "init: exec sh failed\n");
    sleep(100);  // so that init does not restart a missing shell in a tight loop
    exit();
  }
  return pid;
}

int
main(void)
{
  int sh_pid, pid;

  if(open_console() < 0){
    // Nothing can be printed without a console. Sleeping keeps init alive, so the
    // kernel does not panic, and a debugger or ctrl-P still shows the process.
    for(;;)
      sleep(1000);
  }

  for(;;){
    sh_pid = start_shell();
    if(sh_pid < 0){
      printf(1, "init: fork failed, trying again\n");
      sleep(100);
      continue;
    }
    // Reap orphans until the shell itself exits; -1 means no children are left,
    // which can only happen if the shell is already gone.
    do {
      pid = wait();
    } while(pid >= 0 && pid != sh_pid);
  }
}
