/**
 * Links: what attaching returns. A link owns the fds (and tracefs entries) that keep a
 * program attached; detach() releases them all, once, and never throws on a second call.
 */
import type { Sys } from '../../sys/types.ts';
import { BpfCommand } from '../../abi/bpf-commands.ts';
import { linkCreateAttr } from '../bpf-attr.ts';
import { PerfIoctl } from './perf-event-attr.ts';
import { AttachType } from '../../abi/program-types.ts';
import { isSysError } from '../../errors.ts';

export interface Link {
  /** What is attached where, e.g. `tracepoint syscalls/sys_enter_getppid`. */
  readonly description: string;
  detach(): void;
}

/** A link made of fds closed in order, plus an optional last step (removing a tracefs probe). */
export class FdLink implements Link {
  private detached = false;
  constructor(
    private readonly sys: Sys,
    readonly description: string,
    private readonly fds: number[],
    private readonly afterClose: (() => void) | null = null,
  ) {}

  detach(): void {
    if (this.detached) return;
    this.detached = true;
    for (const fd of this.fds) {
      try {
        this.sys.close(fd);
      } catch (error) {
        if (!isSysError(error, 'EBADF')) throw error;
      }
    }
    this.afterClose?.();
  }
}

/**
 * Attaches a program to an open perf event: BPF_LINK_CREATE (Linux 5.15) when `useLinks`,
 * otherwise PERF_EVENT_IOC_SET_BPF, then enables the event. Takes ownership of perfFd.
 */
export function attachToPerfEvent(sys: Sys, progFd: number, perfFd: number, description: string, useLinks: boolean, cookie = 0n, afterClose: (() => void) | null = null): Link {
  try {
    if (useLinks) {
      const linkFd = sys.bpf(BpfCommand.LINK_CREATE, linkCreateAttr(sys, progFd, perfFd, AttachType.PERF_EVENT, { cookie }));
      return new FdLink(sys, description, [linkFd, perfFd], afterClose);
    }
    sys.ioctl(perfFd, PerfIoctl.SET_BPF, progFd);
    sys.ioctl(perfFd, PerfIoctl.ENABLE, 0);
    return new FdLink(sys, description, [perfFd], afterClose);
  } catch (error) {
    sys.close(perfFd);
    afterClose?.();
    throw error;
  }
}
