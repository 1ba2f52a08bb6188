/*
 * zombie: the child exits first and stays a zombie until its parent exits without
 * waiting; the child then passes to init, which reaps it. Prints nothing.
 */
#include "types.h"
#include "user.h"

int
main(void)
{
  if(fork() > 0)
    sleep(5);  // the child exits meanwhile
  exit();
}
