/*
 * The address-space boundaries a user program can run into. User memory is [0, sz)
 * with sz below KERNBASE; everything from KERNBASE up is kernel-only.
 */
#ifndef XV6_MEMLAYOUT_H
#define XV6_MEMLAYOUT_H

#define KERNBASE 0x80000000   // first kernel virtual address
#define PHYSTOP 0xE000000     // end of physical memory in the real system (224 MiB)
#define DEVSPACE 0xFE000000   // memory-mapped devices, kernel-only

#endif
