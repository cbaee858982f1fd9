/* errno_name(number): the symbolic name of an errno value ("EINVAL"), or "EUNKNOWN". */
#ifndef MOTE_ERRNO_NAMES_H
#define MOTE_ERRNO_NAMES_H

const char *errno_name(int number);

#endif
