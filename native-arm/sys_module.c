/*
 * mote:sys — implementation. See sys_module.h for the contract of every export.
 * Mechanism only: argument conversion, one system call, errno -> SysError.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "assets.h"
#include "lz_block.h"
#include "errno_names.h"
#include "sys_module.h"
#include "tls.h"

/* The SysError constructor, created when the module is first imported. */
static JSValue sys_error_class;

/* Throws SysError(message, errno, code, call). Always returns JS_EXCEPTION. */
static JSValue throw_sys_error_code(JSContext *ctx, const char *call, int number, const char *code,
                                    const char *detail)
{
    char message[256];
    snprintf(message, sizeof(message), "%s: %s (%s)", call, detail, code);
    JSValue args[4] = {
        JS_NewString(ctx, message), JS_NewInt32(ctx, number), JS_NewString(ctx, code),
        JS_NewString(ctx, call),
    };
    JSValue error = JS_CallConstructor(ctx, sys_error_class, 4, (JSValueConst *)args);
    for (int i = 0; i < 4; i++)
        JS_FreeValue(ctx, args[i]);
    if (JS_IsException(error))
        return error;
    return JS_Throw(ctx, error);
}

static JSValue throw_errno(JSContext *ctx, const char *call)
{
    int number = errno;
    return throw_sys_error_code(ctx, call, number, errno_name(number), strerror(number));
}

/* Pointer and length of a typed array's bytes or an ArrayBuffer's. Returns -1 with an exception. */
static int get_bytes(JSContext *ctx, JSValueConst value, uint8_t **bytes, size_t *length)
{
    size_t offset, size, element_size;
    JSValue buffer = JS_GetTypedArrayBuffer(ctx, value, &offset, &size, &element_size);
    if (JS_IsException(buffer)) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        uint8_t *data = JS_GetArrayBuffer(ctx, &size, value);
        if (!data) {
            JS_FreeValue(ctx, JS_GetException(ctx));
            JS_ThrowTypeError(ctx, "expected a typed array or an ArrayBuffer");
            return -1;
        }
        *bytes = data;
        *length = size;
        return 0;
    }
    size_t buffer_size;
    uint8_t *data = JS_GetArrayBuffer(ctx, &buffer_size, buffer);
    JS_FreeValue(ctx, buffer);
    if (!data)
        return -1; /* detached */
    *bytes = data + offset;
    *length = size;
    return 0;
}

static int get_int(JSContext *ctx, JSValueConst value, int *out)
{
    return JS_ToInt32(ctx, out, value);
}

static JSValue js_bpf(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int cmd;
    uint8_t *attr;
    size_t size;
    if (get_int(ctx, argv[0], &cmd) || get_bytes(ctx, argv[1], &attr, &size))
        return JS_EXCEPTION;
    long result = syscall(SYS_bpf, cmd, attr, (unsigned int)size);
    if (result < 0)
        return throw_errno(ctx, "bpf");
    return JS_NewInt64(ctx, result);
}

static JSValue js_perf_event_open(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    uint8_t *attr;
    size_t size;
    int pid, cpu, group_fd, flags;
    if (get_bytes(ctx, argv[0], &attr, &size) || get_int(ctx, argv[1], &pid) ||
        get_int(ctx, argv[2], &cpu) || get_int(ctx, argv[3], &group_fd) ||
        get_int(ctx, argv[4], &flags))
        return JS_EXCEPTION;
    long fd = syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, (unsigned long)flags);
    if (fd < 0)
        return throw_errno(ctx, "perf_event_open");
    return JS_NewInt32(ctx, (int)fd);
}

static JSValue js_ioctl(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int fd;
    uint32_t request;
    if (get_int(ctx, argv[0], &fd) || JS_ToUint32(ctx, &request, argv[1]))
        return JS_EXCEPTION;
    long result;
    if (JS_IsNumber(argv[2])) {
        int64_t value;
        if (JS_ToInt64(ctx, &value, argv[2]))
            return JS_EXCEPTION;
        result = ioctl(fd, request, (unsigned long)value);
    } else {
        uint8_t *bytes;
        size_t size;
        if (get_bytes(ctx, argv[2], &bytes, &size))
            return JS_EXCEPTION;
        result = ioctl(fd, request, bytes);
    }
    if (result < 0)
        return throw_errno(ctx, "ioctl");
    return JS_NewInt64(ctx, result);
}

static JSValue js_address_of(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    uint8_t *bytes;
    size_t size;
    if (get_bytes(ctx, argv[0], &bytes, &size))
        return JS_EXCEPTION;
    return JS_NewBigUint64(ctx, (uint64_t)(uintptr_t)bytes);
}

/* The ArrayBuffer's free function: unmaps; the length travels in the opaque pointer. */
static void unmap_buffer(JSRuntime *rt, void *opaque, void *ptr)
{
    if (ptr)
        munmap(ptr, (size_t)(uintptr_t)opaque);
}

static JSValue js_mmap(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int fd, prot, flags;
    int64_t length, offset;
    if (get_int(ctx, argv[0], &fd) || JS_ToInt64(ctx, &length, argv[1]) ||
        get_int(ctx, argv[2], &prot) || get_int(ctx, argv[3], &flags) ||
        JS_ToInt64(ctx, &offset, argv[4]))
        return JS_EXCEPTION;
    if (length <= 0 || (uint64_t)length > SIZE_MAX)
        return JS_ThrowRangeError(ctx, "mmap: length %lld out of range", (long long)length);
    void *mapping = mmap(NULL, (size_t)length, prot, flags, fd, (off_t)offset);
    if (mapping == MAP_FAILED)
        return throw_errno(ctx, "mmap");
    return JS_NewArrayBuffer(ctx, mapping, (size_t)length, unmap_buffer,
                             (void *)(uintptr_t)length, 0);
}

static JSValue js_munmap(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    size_t size;
    if (!JS_GetArrayBuffer(ctx, &size, argv[0]))
        return JS_EXCEPTION;
    JS_DetachArrayBuffer(ctx, argv[0]); /* calls unmap_buffer */
    return JS_UNDEFINED;
}

static JSValue js_open(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int flags, mode;
    const char *path = JS_ToCString(ctx, argv[0]);
    if (!path)
        return JS_EXCEPTION;
    if (get_int(ctx, argv[1], &flags) || get_int(ctx, argv[2], &mode)) {
        JS_FreeCString(ctx, path);
        return JS_EXCEPTION;
    }
    int fd = open(path, flags | O_CLOEXEC, mode);
    JS_FreeCString(ctx, path);
    if (fd < 0)
        return throw_errno(ctx, "open");
    return JS_NewInt32(ctx, fd);
}

static JSValue js_close(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int fd;
    if (get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    if (close(fd) < 0)
        return throw_errno(ctx, "close");
    return JS_UNDEFINED;
}

static JSValue js_fsync(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int fd;
    if (get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    if (fsync(fd) < 0)
        return throw_errno(ctx, "fsync");
    return JS_UNDEFINED;
}

static JSValue js_read(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int fd;
    uint8_t *bytes;
    size_t size;
    if (get_int(ctx, argv[0], &fd) || get_bytes(ctx, argv[1], &bytes, &size))
        return JS_EXCEPTION;
    ssize_t count = read(fd, bytes, size);
    if (count < 0)
        return throw_errno(ctx, "read");
    return JS_NewInt64(ctx, count);
}

static JSValue js_write(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int fd;
    uint8_t *bytes;
    size_t size;
    if (get_int(ctx, argv[0], &fd) || get_bytes(ctx, argv[1], &bytes, &size))
        return JS_EXCEPTION;
    ssize_t count = write(fd, bytes, size);
    if (count < 0)
        return throw_errno(ctx, "write");
    return JS_NewInt64(ctx, count);
}

/* Frees a buffer readFile allocated, when QuickJS lets its ArrayBuffer go. */
static void free_file_buffer(JSRuntime *rt, void *opaque, void *ptr)
{
    free(ptr);
}

/* open(path, O_RDONLY) for readFile and mapFile; -1 with the exception thrown. */
static int open_read_only(JSContext *ctx, JSValueConst path_value)
{
    const char *path = JS_ToCString(ctx, path_value);
    if (!path)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    JS_FreeCString(ctx, path);
    if (fd < 0)
        throw_errno(ctx, "open");
    return fd;
}

/* A Uint8Array over all of `buffer`, which it takes over. */
static JSValue uint8_array_over(JSContext *ctx, JSValue buffer)
{
    /* The constructor reads offset and length whatever argc says: pass all three. */
    JSValue view_args[3] = { buffer, JS_NewInt32(ctx, 0), JS_UNDEFINED };
    JSValue array = JS_NewTypedArray(ctx, 3, (JSValueConst *)view_args, JS_TYPED_ARRAY_UINT8);
    JS_FreeValue(ctx, buffer);
    return array;
}

/*
 * readFile's reading of an open file, which it closes: until end of file into one buffer, sized
 * from fstat when the file says its size (one allocation, no copy: the ArrayBuffer takes the
 * buffer over), grown by doubling for /proc and /sys files whose size is 0 or wrong.
 */
static JSValue read_open_file(JSContext *ctx, int fd)
{
    struct stat status;
    size_t capacity = 4096, used = 0;
    /* One byte more than the size, so that end of file is seen without growing. */
    if (fstat(fd, &status) == 0 && S_ISREG(status.st_mode) && status.st_size > 0 && (uint64_t)status.st_size < SIZE_MAX)
        capacity = (size_t)status.st_size + 1;
    uint8_t *data = malloc(capacity);
    for (;;) {
        if (!data) {
            close(fd);
            return JS_ThrowOutOfMemory(ctx);
        }
        if (used == capacity) {
            uint8_t *grown = realloc(data, capacity * 2);
            if (!grown)
                free(data);
            data = grown;
            capacity *= 2;
            continue;
        }
        ssize_t count = read(fd, data + used, capacity - used);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0) {
            int saved = errno;
            free(data);
            close(fd);
            errno = saved;
            return throw_errno(ctx, "read");
        }
        if (count == 0)
            break;
        used += (size_t)count;
    }
    close(fd);
    JSValue buffer = JS_NewArrayBuffer(ctx, data, used, free_file_buffer, NULL, 0);
    if (JS_IsException(buffer)) {
        free(data);
        return buffer;
    }
    return uint8_array_over(ctx, buffer);
}

static JSValue js_read_file(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int fd = open_read_only(ctx, argv[0]);
    return fd < 0 ? JS_EXCEPTION : read_open_file(ctx, fd);
}

/*
 * mapFile(path) -> Uint8Array: a regular file of at least one byte, mapped private and
 * copy-on-write (pages stay the page cache's until written, and only those touched are faulted
 * in, where readFile copies every byte into fresh memory); any other file, or one its file
 * system cannot map, is read as readFile reads it. Unmapped when QuickJS lets the buffer go. The file must not be truncated while
 * mapped (SIGBUS, as with libbpf's own mapping of an object).
 */
static JSValue js_map_file(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int fd = open_read_only(ctx, argv[0]);
    if (fd < 0)
        return JS_EXCEPTION;
    struct stat status;
    if (fstat(fd, &status) != 0 || !S_ISREG(status.st_mode) || status.st_size <= 0 || (uint64_t)status.st_size >= SIZE_MAX)
        return read_open_file(ctx, fd);
    size_t length = (size_t)status.st_size;
    void *mapping = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (mapping == MAP_FAILED) /* a file system that cannot map files: read it */
        return read_open_file(ctx, fd);
    close(fd);
    JSValue buffer = JS_NewArrayBuffer(ctx, mapping, length, unmap_buffer, (void *)(uintptr_t)length, 0);
    if (JS_IsException(buffer)) {
        munmap(mapping, length);
        return buffer;
    }
    return uint8_array_over(ctx, buffer);
}

static int write_all(int fd, const uint8_t *bytes, size_t size)
{
    while (size > 0) {
        ssize_t count = write(fd, bytes, size);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            return -1;
        bytes += count;
        size -= (size_t)count;
    }
    return 0;
}

/* Calls the optional step hook of writeFileAtomic with the step just done. -1 when it threw. */
static int atomic_write_step(JSContext *ctx, JSValueConst hook, const char *step)
{
    if (!JS_IsFunction(ctx, hook))
        return 0;
    JSValue name = JS_NewString(ctx, step);
    JSValue result = JS_Call(ctx, hook, JS_UNDEFINED, 1, (JSValueConst *)&name);
    JS_FreeValue(ctx, name);
    if (JS_IsException(result))
        return -1;
    JS_FreeValue(ctx, result);
    return 0;
}

static JSValue js_write_file_atomic(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    uint8_t *bytes;
    size_t size;
    if (get_bytes(ctx, argv[1], &bytes, &size))
        return JS_EXCEPTION;
    JSValueConst hook = argc > 2 ? argv[2] : JS_UNDEFINED;
    const char *path = JS_ToCString(ctx, argv[0]);
    if (!path)
        return JS_EXCEPTION;
    char temp[4096], directory[4096];
    const char *failed = NULL;
    snprintf(temp, sizeof(temp), "%s.tmp.%d", path, (int)getpid());
    snprintf(directory, sizeof(directory), "%s", path);
    char *slash = strrchr(directory, '/');
    if (slash == directory)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(directory, ".");

    /* A hook that throws stops the write where it is, leaving the files as they are. */
    int fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        failed = "open";
    else if (write_all(fd, bytes, size) < 0)
        failed = "write";
    else if (atomic_write_step(ctx, hook, "write-temp") < 0)
        goto hook_threw;
    else if (fsync(fd) < 0)
        failed = "fsync";
    int saved = errno;
    if (fd >= 0 && close(fd) < 0 && !failed) {
        failed = "close";
        saved = errno;
    }
    fd = -1;
    if (!failed && atomic_write_step(ctx, hook, "fsync") < 0)
        goto hook_threw;
    if (!failed && rename(temp, path) < 0) {
        failed = "rename";
        saved = errno;
    }
    if (failed) {
        unlink(temp);
    } else {
        if (atomic_write_step(ctx, hook, "rename") < 0)
            goto hook_threw;
        int dir_fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0 || fsync(dir_fd) < 0) {
            failed = "fsync";
            saved = errno;
        }
        if (dir_fd >= 0)
            close(dir_fd);
        if (!failed && atomic_write_step(ctx, hook, "fsync-dir") < 0)
            goto hook_threw;
    }
    JS_FreeCString(ctx, path);
    if (failed) {
        errno = saved;
        return throw_errno(ctx, failed);
    }
    return JS_UNDEFINED;

hook_threw:
    if (fd >= 0)
        close(fd);
    JS_FreeCString(ctx, path);
    return JS_EXCEPTION;
}

/* unlink(2) or mkdir(2) on a path argument: the shared shape of the two calls. */
static JSValue path_call(JSContext *ctx, JSValueConst path_value, const char *call, int mode)
{
    const char *path = JS_ToCString(ctx, path_value);
    if (!path)
        return JS_EXCEPTION;
    int result = mode < 0 ? unlink(path) : mkdir(path, (mode_t)mode);
    int saved = errno;
    JS_FreeCString(ctx, path);
    errno = saved;
    if (result < 0)
        return throw_errno(ctx, call);
    return JS_UNDEFINED;
}

static JSValue js_unlink(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    return path_call(ctx, argv[0], "unlink", -1);
}

static JSValue js_mkdir(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int mode;
    if (get_int(ctx, argv[1], &mode))
        return JS_EXCEPTION;
    return path_call(ctx, argv[0], "mkdir", mode & 07777);
}

static JSValue js_read_dir(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    const char *path = JS_ToCString(ctx, argv[0]);
    if (!path)
        return JS_EXCEPTION;
    DIR *dir = opendir(path);
    int saved = errno;
    JS_FreeCString(ctx, path);
    if (!dir) {
        errno = saved;
        return throw_errno(ctx, "opendir");
    }
    JSValue names = JS_NewArray(ctx);
    uint32_t count = 0;
    for (;;) {
        errno = 0;
        struct dirent *entry = readdir(dir);
        if (!entry)
            break;
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        JS_SetPropertyUint32(ctx, names, count++, JS_NewString(ctx, entry->d_name));
    }
    saved = errno;
    closedir(dir);
    if (saved != 0) {
        JS_FreeValue(ctx, names);
        errno = saved;
        return throw_errno(ctx, "readdir");
    }
    return names;
}

static JSValue js_socket(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int domain, type, protocol;
    if (get_int(ctx, argv[0], &domain) || get_int(ctx, argv[1], &type) ||
        get_int(ctx, argv[2], &protocol))
        return JS_EXCEPTION;
    int fd = socket(domain, type | SOCK_CLOEXEC, protocol);
    if (fd < 0)
        return throw_errno(ctx, "socket");
    return JS_NewInt32(ctx, fd);
}

static JSValue js_setsockopt(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int fd, level, option;
    uint8_t *value;
    size_t size;
    if (get_int(ctx, argv[0], &fd) || get_int(ctx, argv[1], &level) ||
        get_int(ctx, argv[2], &option) || get_bytes(ctx, argv[3], &value, &size))
        return JS_EXCEPTION;
    if (setsockopt(fd, level, option, value, (socklen_t)size) < 0)
        return throw_errno(ctx, "setsockopt");
    return JS_UNDEFINED;
}

static JSValue js_bind(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int fd;
    uint8_t *address;
    size_t size;
    if (get_int(ctx, argv[0], &fd) || get_bytes(ctx, argv[1], &address, &size))
        return JS_EXCEPTION;
    if (bind(fd, (const struct sockaddr *)address, (socklen_t)size) < 0)
        return throw_errno(ctx, "bind");
    return JS_UNDEFINED;
}

static JSValue js_tcp_connect(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int port;
    if (get_int(ctx, argv[1], &port))
        return JS_EXCEPTION;
    const char *host = JS_ToCString(ctx, argv[0]);
    if (!host)
        return JS_EXCEPTION;
    char service[16];
    snprintf(service, sizeof(service), "%d", port);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *results = NULL;
    int resolved = getaddrinfo(host, service, &hints, &results);
    JS_FreeCString(ctx, host);
    if (resolved != 0)
        return throw_sys_error_code(ctx, "getaddrinfo", resolved, "EAI", gai_strerror(resolved));
    int fd = -1;
    errno = EHOSTUNREACH;
    for (struct addrinfo *candidate = results; candidate; candidate = candidate->ai_next) {
        fd = socket(candidate->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        if (connect(fd, candidate->ai_addr, candidate->ai_addrlen) == 0 || errno == EINPROGRESS)
            break;
        int saved = errno;
        close(fd);
        errno = saved;
        fd = -1;
    }
    freeaddrinfo(results);
    if (fd < 0)
        return throw_errno(ctx, "connect");
    return JS_NewInt32(ctx, fd);
}

static JSValue js_socket_error(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int fd, error = 0;
    socklen_t size = sizeof(error);
    if (get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) < 0)
        return throw_errno(ctx, "getsockopt");
    return JS_NewInt32(ctx, error);
}

static JSValue js_uname(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    struct utsname names;
    if (uname(&names) < 0)
        return throw_errno(ctx, "uname");
    JSValue result = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, result, "sysname", JS_NewString(ctx, names.sysname));
    JS_SetPropertyStr(ctx, result, "nodename", JS_NewString(ctx, names.nodename));
    JS_SetPropertyStr(ctx, result, "release", JS_NewString(ctx, names.release));
    JS_SetPropertyStr(ctx, result, "version", JS_NewString(ctx, names.version));
    JS_SetPropertyStr(ctx, result, "machine", JS_NewString(ctx, names.machine));
    return result;
}

static JSValue js_getpid(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    return JS_NewInt32(ctx, (int)getpid());
}

static JSValue js_geteuid(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    return JS_NewUint32(ctx, (uint32_t)geteuid());
}

static JSValue js_raise_memlock_limit(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
    if (setrlimit(RLIMIT_MEMLOCK, &unlimited) < 0)
        return throw_errno(ctx, "setrlimit");
    return JS_UNDEFINED;
}

static JSValue js_mount(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    const char *source = JS_ToCString(ctx, argv[0]);
    const char *target = JS_ToCString(ctx, argv[1]);
    const char *type = JS_ToCString(ctx, argv[2]);
    int result = (source && target && type) ? mount(source, target, type, 0, NULL) : -2;
    int saved = errno;
    JS_FreeCString(ctx, source);
    JS_FreeCString(ctx, target);
    JS_FreeCString(ctx, type);
    if (result == -2)
        return JS_EXCEPTION;
    errno = saved;
    if (result < 0)
        return throw_errno(ctx, "mount");
    return JS_UNDEFINED;
}

static JSValue js_stat(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    const char *path = JS_ToCString(ctx, argv[0]);
    if (!path)
        return JS_EXCEPTION;
    struct stat info;
    int result = stat(path, &info);
    int saved = errno;
    JS_FreeCString(ctx, path);
    errno = saved;
    if (result < 0)
        return throw_errno(ctx, "stat");
    JSValue object = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, object, "mode", JS_NewUint32(ctx, info.st_mode));
    JS_SetPropertyStr(ctx, object, "uid", JS_NewUint32(ctx, info.st_uid));
    JS_SetPropertyStr(ctx, object, "gid", JS_NewUint32(ctx, info.st_gid));
    return object;
}

static JSValue js_chown(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int uid, gid;
    if (get_int(ctx, argv[1], &uid) || get_int(ctx, argv[2], &gid))
        return JS_EXCEPTION;
    const char *path = JS_ToCString(ctx, argv[0]);
    if (!path)
        return JS_EXCEPTION;
    int result = chown(path, (uid_t)uid, (gid_t)gid);
    int saved = errno;
    JS_FreeCString(ctx, path);
    errno = saved;
    if (result < 0)
        return throw_errno(ctx, "chown");
    return JS_UNDEFINED;
}

static JSValue js_chmod(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int mode;
    if (get_int(ctx, argv[1], &mode))
        return JS_EXCEPTION;
    const char *path = JS_ToCString(ctx, argv[0]);
    if (!path)
        return JS_EXCEPTION;
    int result = chmod(path, (mode_t)mode);
    int saved = errno;
    JS_FreeCString(ctx, path);
    errno = saved;
    if (result < 0)
        return throw_errno(ctx, "chmod");
    return JS_UNDEFINED;
}

static void free_asset_bytes(JSRuntime *rt, void *opaque, void *bytes)
{
    js_free_rt(rt, bytes);
}

/* asset(name): a new Uint8Array of the named asset, decompressed; undefined when there is none. */
static JSValue js_asset(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    const char *name = JS_ToCString(ctx, argv[0]);
    if (!name)
        return JS_EXCEPTION;
    JSValue result = JS_UNDEFINED;
    for (uint32_t i = 0; i < mote_asset_count; i++) {
        if (strcmp(mote_assets[i].name, name) != 0)
            continue;
        const struct mote_asset *asset = &mote_assets[i];
        uint8_t *bytes = js_malloc(ctx, asset->size ? asset->size : 1);
        if (!bytes) {
            result = JS_EXCEPTION;
            break;
        }
        if (lz_block_decode(asset->data, asset->packed_size, bytes, asset->size) < 0) {
            js_free(ctx, bytes);
            result = JS_ThrowInternalError(ctx, "asset '%s' does not decompress: mote-agent is damaged; reinstall it", name);
            break;
        }
        JSValue buffer = JS_NewArrayBuffer(ctx, bytes, asset->size, free_asset_bytes, NULL, 0);
        if (JS_IsException(buffer)) {
            js_free(ctx, bytes); /* not taken over when the ArrayBuffer could not be made */
            result = buffer;
            break;
        }
        JSValue view_args[3] = { buffer, JS_NewInt32(ctx, 0), JS_UNDEFINED };
        result = JS_NewTypedArray(ctx, 3, (JSValueConst *)view_args, JS_TYPED_ARRAY_UINT8);
        JS_FreeValue(ctx, buffer);
        break;
    }
    JS_FreeCString(ctx, name);
    return result;
}

static JSValue js_page_size(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    return JS_NewInt32(ctx, (int)sysconf(_SC_PAGESIZE));
}

static JSValue clock_ns(JSContext *ctx, clockid_t clock)
{
    struct timespec now;
    if (clock_gettime(clock, &now) < 0)
        return throw_errno(ctx, "clock_gettime");
    return JS_NewBigUint64(ctx, (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec);
}

static JSValue js_monotonic_ns(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    return clock_ns(ctx, CLOCK_MONOTONIC);
}

static JSValue js_realtime_ns(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    return clock_ns(ctx, CLOCK_REALTIME);
}

/*
 * hash(bytes) -> 16 hex digits: a 64-bit non-cryptographic digest of the bytes, for cache keys
 * (a kernel BTF of megabytes in a millisecond or two). Four lanes take 32 bytes a round, each
 * word xored in, multiplied by a large odd constant and its high half folded down; the lanes are
 * then folded into one with the tail bytes, and the length is in the seed, followed by a final
 * avalanche. Accidental changes (a truncated file, another kernel) give another digest with
 * overwhelming probability; it is not collision-resistant, so never a defence against forgery.
 */
static JSValue js_hash(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    uint8_t *bytes;
    size_t size;
    if (get_bytes(ctx, argv[0], &bytes, &size))
        return JS_EXCEPTION;
    const uint64_t multiplier = 0x9e3779b97f4a7c15ull;
    uint64_t lane[4] = { 0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull, 0xa54ff53a5f1d36f1ull };
    size_t i = 0;
    for (; i + 32 <= size; i += 32) {
        for (int k = 0; k < 4; k++) {
            uint64_t word;
            memcpy(&word, bytes + i + 8 * k, 8);
            lane[k] = (lane[k] ^ word) * multiplier;
            lane[k] ^= lane[k] >> 32;
        }
    }
    uint64_t h = (uint64_t)size * multiplier;
    for (int k = 0; k < 4; k++)
        h = ((h ^ lane[k]) * multiplier) ^ (h >> 29);
    for (; i < size; i++)
        h = ((h ^ bytes[i]) * multiplier) ^ (h >> 29);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    char text[17];
    snprintf(text, sizeof(text), "%016llx", (unsigned long long)h);
    return JS_NewString(ctx, text);
}

/* memoryUsage() -> { mallocSize, memoryUsed, objects, strings, bytecode }: QuickJS's heap. */
static JSValue js_memory_usage(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    JSMemoryUsage usage;
    JS_ComputeMemoryUsage(JS_GetRuntime(ctx), &usage);
    JSValue result = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, result, "mallocSize", JS_NewInt64(ctx, usage.malloc_size));
    JS_SetPropertyStr(ctx, result, "memoryUsed", JS_NewInt64(ctx, usage.memory_used_size));
    JS_SetPropertyStr(ctx, result, "objects", JS_NewInt64(ctx, usage.obj_size + usage.prop_size + usage.shape_size));
    JS_SetPropertyStr(ctx, result, "strings", JS_NewInt64(ctx, usage.str_size + usage.atom_size));
    JS_SetPropertyStr(ctx, result, "bytecode", JS_NewInt64(ctx, usage.js_func_size));
    return result;
}

/* collectGarbage(): QuickJS's cycle collector, now (JS_RunGC). */
static JSValue js_collect_garbage(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    JS_RunGC(JS_GetRuntime(ctx));
    return JS_UNDEFINED;
}

/* setGcThreshold(bytes): the heap size at which QuickJS next runs its cycle collector by itself. */
static JSValue js_set_gc_threshold(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int64_t bytes;
    if (JS_ToInt64(ctx, &bytes, argv[0]))
        return JS_EXCEPTION;
    if (bytes < 0)
        return JS_ThrowRangeError(ctx, "setGcThreshold: bytes must be >= 0, not %lld", (long long)bytes);
    JS_SetGCThreshold(JS_GetRuntime(ctx), (size_t)bytes);
    return JS_UNDEFINED;
}

/*
 * trimMemory() -> bool: glibc's malloc_trim(0), which gives the heap's free pages back to the
 * kernel; true if it released any. musl has no such call (its allocator unmaps freed pages
 * itself): false.
 */
static JSValue js_trim_memory(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
#ifdef __GLIBC__
    return JS_NewBool(ctx, malloc_trim(0));
#else
    return JS_FALSE;
#endif
}

/*
 * allocatorUsage() -> { heap, free } | undefined: glibc's mallinfo2, the bytes the C allocator
 * holds from the kernel (sbrk arena plus mmapped blocks) and those of them free; undefined on musl.
 */
static JSValue js_allocator_usage(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
#ifdef __GLIBC__
    struct mallinfo2 info = mallinfo2();
    JSValue result = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, result, "heap", JS_NewInt64(ctx, (int64_t)(info.arena + info.hblkhd)));
    JS_SetPropertyStr(ctx, result, "free", JS_NewInt64(ctx, (int64_t)info.fordblks));
    return result;
#else
    return JS_UNDEFINED;
#endif
}

#define CONSTANT(name) JS_PROP_INT32_DEF(#name, name, JS_PROP_ENUMERABLE)

static const JSCFunctionListEntry sys_functions[] = {
    JS_CFUNC_DEF("bpf", 2, js_bpf),
    JS_CFUNC_DEF("perfEventOpen", 5, js_perf_event_open),
    JS_CFUNC_DEF("ioctl", 3, js_ioctl),
    JS_CFUNC_DEF("addressOf", 1, js_address_of),
    JS_CFUNC_DEF("mmap", 5, js_mmap),
    JS_CFUNC_DEF("munmap", 1, js_munmap),
    JS_CFUNC_DEF("open", 3, js_open),
    JS_CFUNC_DEF("close", 1, js_close),
    JS_CFUNC_DEF("fsync", 1, js_fsync),
    JS_CFUNC_DEF("read", 2, js_read),
    JS_CFUNC_DEF("write", 2, js_write),
    JS_CFUNC_DEF("readFile", 1, js_read_file),
    JS_CFUNC_DEF("mapFile", 1, js_map_file),
    JS_CFUNC_DEF("writeFileAtomic", 3, js_write_file_atomic),
    JS_CFUNC_DEF("unlink", 1, js_unlink),
    JS_CFUNC_DEF("mkdir", 2, js_mkdir),
    JS_CFUNC_DEF("readDir", 1, js_read_dir),
    JS_CFUNC_DEF("stat", 1, js_stat),
    JS_CFUNC_DEF("chown", 3, js_chown),
    JS_CFUNC_DEF("chmod", 2, js_chmod),
    JS_CFUNC_DEF("socket", 3, js_socket),
    JS_CFUNC_DEF("setsockopt", 4, js_setsockopt),
    JS_CFUNC_DEF("bind", 2, js_bind),
    JS_CFUNC_DEF("tcpConnect", 2, js_tcp_connect),
    JS_CFUNC_DEF("socketError", 1, js_socket_error),
    JS_CFUNC_DEF("uname", 0, js_uname),
    JS_CFUNC_DEF("getpid", 0, js_getpid),
    JS_CFUNC_DEF("geteuid", 0, js_geteuid),
    JS_CFUNC_DEF("pageSize", 0, js_page_size),
    JS_CFUNC_DEF("asset", 1, js_asset),
    JS_CFUNC_DEF("mount", 3, js_mount),
    JS_CFUNC_DEF("raiseMemlockLimit", 0, js_raise_memlock_limit),
    JS_CFUNC_DEF("monotonicNs", 0, js_monotonic_ns),
    JS_CFUNC_DEF("realtimeNs", 0, js_realtime_ns),
    JS_CFUNC_DEF("hash", 1, js_hash),
    JS_CFUNC_DEF("memoryUsage", 0, js_memory_usage),
    JS_CFUNC_DEF("collectGarbage", 0, js_collect_garbage),
    JS_CFUNC_DEF("setGcThreshold", 1, js_set_gc_threshold),
    JS_CFUNC_DEF("trimMemory", 0, js_trim_memory),
    JS_CFUNC_DEF("allocatorUsage", 0, js_allocator_usage),
    CONSTANT(O_RDONLY), CONSTANT(O_WRONLY), CONSTANT(O_RDWR), CONSTANT(O_CREAT),
    CONSTANT(O_TRUNC), CONSTANT(O_APPEND), CONSTANT(O_NONBLOCK), CONSTANT(O_DIRECTORY),
    CONSTANT(PROT_READ), CONSTANT(PROT_WRITE), CONSTANT(MAP_SHARED), CONSTANT(MAP_PRIVATE),
    CONSTANT(AF_INET), CONSTANT(AF_INET6), CONSTANT(AF_PACKET), CONSTANT(SOCK_STREAM),
    CONSTANT(SOCK_DGRAM), CONSTANT(SOCK_RAW), CONSTANT(SOCK_NONBLOCK), CONSTANT(SOL_SOCKET),
};

/* The global Error constructor, which SysError's constructor calls as `super(message)`. */
static JSValue error_class;

/*
 * new SysError(message, errno, code, call): an Error (with its stack) whose prototype is
 * SysError.prototype, carrying the errno, its name and the call. Made in C rather than from
 * JavaScript source, so that the binding compiles nothing when it starts.
 */
static JSValue js_sys_error_new(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv)
{
    JSValue error = JS_CallConstructor2(ctx, error_class, new_target, argc > 0 ? 1 : 0, argv);
    if (JS_IsException(error))
        return error;
    static const char *const fields[] = { "errno", "code", "call" };
    if (JS_DefinePropertyValueStr(ctx, error, "name", JS_NewString(ctx, "SysError"), JS_PROP_C_W_E) < 0)
        goto fail;
    for (int i = 0; i < 3; i++)
        if (JS_DefinePropertyValueStr(ctx, error, fields[i], JS_DupValue(ctx, i + 1 < argc ? argv[i + 1] : JS_UNDEFINED), JS_PROP_C_W_E) < 0)
            goto fail;
    return error;
fail:
    JS_FreeValue(ctx, error);
    return JS_EXCEPTION;
}

static int make_sys_error_class(JSContext *ctx)
{
    JSValue global = JS_GetGlobalObject(ctx);
    error_class = JS_GetPropertyStr(ctx, global, "Error");
    JS_FreeValue(ctx, global);
    JSValue error_prototype = JS_GetPropertyStr(ctx, error_class, "prototype");
    if (JS_IsException(error_prototype))
        return -1;
    JSValue prototype = JS_NewObjectProto(ctx, error_prototype);
    JS_FreeValue(ctx, error_prototype);
    sys_error_class = JS_NewCFunction2(ctx, js_sys_error_new, "SysError", 4, JS_CFUNC_constructor, 0);
    JS_SetConstructor(ctx, sys_error_class, prototype);
    JS_FreeValue(ctx, prototype);
    return JS_IsException(sys_error_class) ? -1 : 0;
}

static int sys_module_init(JSContext *ctx, JSModuleDef *module)
{
    if (make_sys_error_class(ctx) < 0)
        return -1;
    if (JS_SetModuleExport(ctx, module, "SysError", JS_DupValue(ctx, sys_error_class)))
        return -1;
    if (JS_SetModuleExportList(ctx, module, mote_tls_functions, mote_tls_function_count))
        return -1;
    return JS_SetModuleExportList(ctx, module, sys_functions,
                                  sizeof(sys_functions) / sizeof(sys_functions[0]));
}

JSModuleDef *mote_init_module_sys(JSContext *ctx, const char *module_name)
{
    JSModuleDef *module = JS_NewCModule(ctx, module_name, sys_module_init);
    if (!module)
        return NULL;
    JS_AddModuleExport(ctx, module, "SysError");
    JS_AddModuleExportList(ctx, module, sys_functions,
                           sizeof(sys_functions) / sizeof(sys_functions[0]));
    JS_AddModuleExportList(ctx, module, mote_tls_functions, mote_tls_function_count);
    return module;
}
