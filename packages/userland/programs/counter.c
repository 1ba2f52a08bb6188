/*
 * counter [n]: print "counter: 1", "counter: 2", ... one line every 25 ticks (four
 * lines a second at 100 Hz), forever, or n lines and exit.
 *
 * The count lives in this process's memory, so after a checkpoint and a restart the
 * next line is the number after the last one printed before the checkpoint.
 */
#include "types.h"
#include "user.h"

#define INTERVAL 25  // ticks between lines

int
main(int argc, char *argv[])
{
  int limit = argc > 1 ? atoi(argv[1]) : 0;

  if(argc > 2 || limit < 0){
    printf(2, "usage: counter [n]\n");
    exit();
  }

  for(int n = 1; limit == 0 || n <= limit; n++){
    printf(1, "counter: %d\n", n);
    if(n != limit)
      sleep(INTERVAL);
  }
  exit();
}
