/** mmap(2) protection and sharing flags; the same values on x86_64 and 32-bit ARM. */
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
export const MAP_PRIVATE = 2;
