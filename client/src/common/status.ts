/** What the language status item shows for each state of the server. Pure. */
import type { Source } from './interpreter';

export type ServerState =
  | { readonly kind: 'disabled' }
  | { readonly kind: 'starting'; readonly interpreter?: string; readonly source?: Source }
  | { readonly kind: 'running'; readonly version: string | undefined; readonly interpreter: string; readonly source: Source }
  | { readonly kind: 'notInstalled'; readonly interpreter: string; readonly source: Source; readonly detail: string }
  | { readonly kind: 'failed'; readonly interpreter?: string; readonly source?: Source; readonly detail: string }
  | { readonly kind: 'stopped' };

export type StatusSeverity = 'information' | 'warning' | 'error';

export interface StatusView {
  readonly text: string;
  readonly detail: string;
  readonly severity: StatusSeverity;
  readonly busy: boolean;
}

function origin(interpreter: string | undefined, source: Source | undefined): string {
  if (interpreter === undefined) return '';
  return source === undefined ? interpreter : `${interpreter} (from ${source})`;
}

export function statusView(state: ServerState): StatusView {
  switch (state.kind) {
    case 'disabled':
      return { text: 'greenlint: disabled', detail: 'greenlint.enable is false', severity: 'information', busy: false };
    case 'starting':
      return { text: 'greenlint: starting', detail: origin(state.interpreter, state.source), severity: 'information', busy: true };
    case 'running':
      return {
        text: state.version !== undefined && state.version !== '' ? `greenlint ${state.version}` : 'greenlint',
        detail: origin(state.interpreter, state.source),
        severity: 'information',
        busy: false,
      };
    case 'notInstalled':
      return {
        text: 'greenlint: not installed',
        detail: `${origin(state.interpreter, state.source)}: ${state.detail}`,
        severity: 'error',
        busy: false,
      };
    case 'failed': {
      const where = origin(state.interpreter, state.source);
      return {
        text: 'greenlint: not running',
        detail: where === '' ? state.detail : `${where}: ${state.detail}`,
        severity: 'error',
        busy: false,
      };
    }
    case 'stopped':
      return { text: 'greenlint: stopped', detail: 'run "greenlint: Restart Server"', severity: 'warning', busy: false };
  }
}
