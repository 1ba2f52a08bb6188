/*
 * Kernel limits of the real xv6 system, which xv6ts keeps. Programs such as usertests
 * use them to probe a limit exactly.
 */
#ifndef XV6_PARAM_H
#define XV6_PARAM_H

#define NPROC 64        // process slots
#define NOFILE 16       // open files per process
#define NFILE 100       // open files in the whole system
#define NINODE 50       // inodes held in memory at once
#define NDEV 10         // device major numbers
#define ROOTDEV 1       // device number of the root file system
#define MAXARG 32       // exec argument array, including its terminating 0
#define MAXOPBLOCKS 10  // distinct blocks one system call writes (xv6 geometry)
#define LOGSIZE 30      // log blocks (xv6 geometry)
#define NBUF 30         // buffer-cache blocks
#define FSSIZE 1000     // blocks of the default xv6 disk image

#endif
