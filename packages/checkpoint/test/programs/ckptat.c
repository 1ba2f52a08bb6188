/*
 * ckptat ticks path command [args...]: runs command in a child, saves the child into the
 * image file path (system call 22) after the given number of ticks, kills it and waits
 * for it. Prints nothing on success, "ckptat: checkpoint of pid P failed" when the
 * checkpoint fails (for instance because the child has already ended). In deterministic
 * mode the instant repeats exactly, which is what the transparency tests need.
 */
#include "types.h"
#include "user.h"

int
main(int argc, char *argv[])
{
  int ticks, pid;

  if(argc < 4 || (ticks = atoi(argv[1])) < 0){
    printf(2, "usage: ckptat ticks path command [args...]\n");
    exit();
  }
  pid = fork();
  if(pid == 0){
    exec(argv[3], argv + 3);
    printf(2, "ckptat: exec %s failed\n", argv[3]);
    exit();
  }
  sleep(ticks);
  if(checkpoint(pid, argv[2]) < 0)
    printf(2, "ckptat: checkpoint of pid %d failed\n", pid);
  kill(pid);
  wait();
  exit();
}
