/** setTimeout's longest delay (2^31 − 1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Resolves after `ms`, or at once when the signal aborts (a wait must never hold up Ctrl-C). A wait longer than
 * a timer can hold (a monthly bar's close, a demo at a tiny --speed) is slept in timer-sized pieces.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    let left = ms;
    let timer: ReturnType<typeof setTimeout>;
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    const wait = (): void => {
      const step = Math.min(left, MAX_TIMER_MS);
      left -= step;
      timer = setTimeout(left > 0 ? wait : finish, step);
    };
    wait();
    signal?.addEventListener('abort', finish, { once: true });
  });
}
