/**
 * Messages between {@link runInWorkers} (the parent) and `worker-runner.js` (each child).
 *
 * parent -> child: `init` once (the task module), then one `task` at a time.
 * child -> parent: `ready` after init, then per task any number of `progress` messages (what
 * the task passed to `context.progress`) followed by its `result` or `error`; `fatal` when the
 * child cannot start (module or backend failed to load).
 */
export type ParentMessage =
  | { readonly type: 'init'; readonly module: string; readonly logBackend: boolean }
  | { readonly type: 'task'; readonly index: number; readonly task: unknown };

/** See {@link ParentMessage}. */
export type ChildMessage =
  | { readonly type: 'ready'; readonly backend: string }
  | { readonly type: 'progress'; readonly index: number; readonly progress: unknown }
  | { readonly type: 'result'; readonly index: number; readonly result: unknown }
  | {
      readonly type: 'error';
      readonly index: number;
      readonly message: string;
      readonly stack?: string;
    }
  | { readonly type: 'fatal'; readonly message: string };

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
