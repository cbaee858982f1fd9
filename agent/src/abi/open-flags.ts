/** open(2) flags for Sys.open: the generic Linux values, the same on x86_64 and 32-bit ARM. */
export const O_RDONLY = 0;
export const O_WRONLY = 0o1;
export const O_CREAT = 0o100;
export const O_APPEND = 0o2000;
export const O_CLOEXEC = 0o2000000;
