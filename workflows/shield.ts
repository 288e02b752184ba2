// What must settle even when the workflow is cancelled (an Eko call once started, an accepted update's answer, a
// partner event's hand-over) runs in one non-cancellable scope per run instead of a new one per call: the same
// shielding as CancellationScope.nonCancellable(fn), without the five promises the SDK makes for each new scope
// (every promise in workflow context costs its promise hook a stack trace; docs/PERFORMANCE.md). No command
// depends on it: a scope is not in history.
import { CancellationScope } from '@temporalio/workflow';

export type Shield = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * A non-cancellable scope whose run() calls `fn` in the scope's context and returns its promise. The SDK's own
 * runInContext is an async function that awaits `fn()` (two more promises per call) for the sake of a scope
 * timeout, which a shield never has. What links to the scope is unchanged: activities, timers and conditions take
 * the current scope when they are created, and `fn` creates them while the scope is current.
 */
class ShieldScope extends CancellationScope {
  constructor() {
    super({ cancellable: false });
  }

  protected override runInContext<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return fn();
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
}

/** A run's shield; call it from workflow code (it is a child of the scope current at the call, the run's root). */
export function shield(): Shield {
  const scope = new ShieldScope();
  return (fn) => scope.run(fn);
}
