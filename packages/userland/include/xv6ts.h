/*
 * xv6ts additions to the user library that are not part of xv6's API.
 *
 * They are declared here rather than in user.h, and each is defined in its own
 * object file of lib/libxv6.a, so a program written for xv6 that defines a function
 * of the same name still compiles and links unchanged.
 */
#ifndef XV6TS_H
#define XV6TS_H

// Returns 1 when s is one or more decimal digits and nothing else, and 0 otherwise,
// so a sign, a blank or the empty string gives 0. It does not check that the value
// fits in an int.
int is_number(const char *s);

#endif
