/*
 * errno -> symbolic name ("EINVAL"), for SysError.code. musl has no strerrorname_np, so the
 * table lists the names the kernel's bpf, perf and socket paths return. ENOTSUPP (524) is a
 * kernel-internal value that bpf(2) does leak to user space, so it is listed too.
 */
#include <errno.h>
#include <stddef.h>
#include "errno_names.h"

#define NAME(e) { e, #e }

static const struct { int number; const char *name; } errno_table[] = {
    NAME(EPERM), NAME(ENOENT), NAME(ESRCH), NAME(EINTR), NAME(EIO), NAME(ENXIO), NAME(E2BIG),
    NAME(ENOEXEC), NAME(EBADF), NAME(ECHILD), NAME(EAGAIN), NAME(ENOMEM), NAME(EACCES),
    NAME(EFAULT), NAME(EBUSY), NAME(EEXIST), NAME(EXDEV), NAME(ENODEV), NAME(ENOTDIR),
    NAME(EISDIR), NAME(EINVAL), NAME(ENFILE), NAME(EMFILE), NAME(ENOTTY), NAME(EFBIG),
    NAME(ENOSPC), NAME(ESPIPE), NAME(EROFS), NAME(EMLINK), NAME(EPIPE), NAME(ERANGE),
    NAME(EDEADLK), NAME(ENAMETOOLONG), NAME(ENOSYS), NAME(ENOTEMPTY), NAME(ELOOP),
    NAME(ENOMSG), NAME(ENODATA), NAME(ETIME), NAME(ENOLINK), NAME(EPROTO), NAME(EBADMSG),
    NAME(EOVERFLOW), NAME(EBADFD), NAME(ENOTSOCK), NAME(EDESTADDRREQ), NAME(EMSGSIZE),
    NAME(EPROTOTYPE), NAME(ENOPROTOOPT), NAME(EPROTONOSUPPORT), NAME(EOPNOTSUPP),
    NAME(EAFNOSUPPORT), NAME(EADDRINUSE), NAME(EADDRNOTAVAIL), NAME(ENETDOWN),
    NAME(ENETUNREACH), NAME(ECONNABORTED), NAME(ECONNRESET), NAME(ENOBUFS), NAME(EISCONN),
    NAME(ENOTCONN), NAME(ETIMEDOUT), NAME(ECONNREFUSED), NAME(EHOSTUNREACH), NAME(EALREADY),
    NAME(EINPROGRESS), NAME(ESTALE), NAME(ECANCELED), NAME(EOWNERDEAD),
    { 524, "ENOTSUPP" },
};

const char *errno_name(int number)
{
    for (size_t i = 0; i < sizeof(errno_table) / sizeof(errno_table[0]); i++)
        if (errno_table[i].number == number)
            return errno_table[i].name;
    return "EUNKNOWN";
}
