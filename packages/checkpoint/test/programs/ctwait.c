/*
 * ctwait: a parent blocked in wait. The child sleeps 40 ticks and exits. The parent
 * prints "ctwait: forked", waits, and prints "ctwait: wait returned a child", then
 * "ctwait: done". A restart does not restore children, so a restarted parent prints
 * "ctwait: wait returned -1" instead.
 */
#include "types.h"
#include "user.h"

int
main(void)
{
  int pid = fork();

  if(pid == 0){
    sleep(40);
    exit();
  }
  printf(1, "ctwait: forked\n");
  if(wait() == pid)
    printf(1, "ctwait: wait returned a child\n");
  else
    printf(1, "ctwait: wait returned -1\n");
  printf(1, "ctwait: done\n");
  exit();
}
