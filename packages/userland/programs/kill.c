/*
 * kill pid ...: kill each process.
 */
#include "types.h"
#include "user.h"
#include "xv6ts.h"

int
main(int argc, char *argv[])
{
  if(argc < 2){
    printf(2, "usage: kill pid...\n");
    exit();
  }
  for(int i = 1; i < argc; i++){
    if(!is_number(argv[i]))
      printf(2, "kill: %s is not a process id\n", argv[i]);
    else if(kill(atoi(argv[i])) < 0)
      printf(2, "kill: no process %s\n", argv[i]);
  }
  exit();
}
