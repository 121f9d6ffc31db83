/**
 * How the server is started: which executable, with which arguments, and why. Pure: everything that touches
 * VS Code or the file system is injected, so the resolution order is unit-tested without VS Code.
 *
 * Order: `greenlint.path` (the first entry that exists) > `greenlint.interpreter` > the Python extension's
 * interpreter > `python3` on PATH. In an untrusted workspace only the user-level values of `greenlint.path` and
 * `greenlint.interpreter` count: a workspace must not pick the executable VS Code runs. (VS Code itself leaves
 * the workspace's values of these restricted settings out of the configuration in Restricted Mode; this rule holds
 * whatever the configuration holds.)
 */
import * as nodePath from 'node:path';

/** A setting's values per scope, as `WorkspaceConfiguration.inspect` returns them. */
export interface Scoped<T = unknown> {
  readonly globalValue?: T;
  readonly workspaceValue?: T;
  readonly workspaceFolderValue?: T;
}

export type Scope = 'user' | 'workspace' | 'workspaceFolder';

export interface TrustedValue {
  /** The value that applies, undefined when no scope that counts sets it. */
  readonly value: unknown;
  readonly scope: Scope | undefined;
  /** A workspace (folder) value that was set but not used because the workspace is not trusted. */
  readonly ignored: boolean;
}

/** The value of an executable-naming setting: the most specific scope when trusted, else the user's. */
export function trustedValue(scoped: Scoped | undefined, trusted: boolean): TrustedValue {
  const folder = scoped?.workspaceFolderValue;
  const workspace = scoped?.workspaceValue;
  const user = scoped?.globalValue;
  if (trusted) {
    if (folder !== undefined) return { value: folder, scope: 'workspaceFolder', ignored: false };
    if (workspace !== undefined) return { value: workspace, scope: 'workspace', ignored: false };
  }
  const ignored = !trusted && (folder !== undefined || workspace !== undefined);
  return { value: user, scope: user !== undefined ? 'user' : undefined, ignored };
}

export interface ExpandContext {
  readonly workspaceFolder?: string;
  readonly home: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * `~`, `${userHome}`, `${workspaceFolder}` and `${env:NAME}` expanded; a relative path (one with a directory part,
 * like `.venv/bin/python`) resolved against the workspace folder. A bare name (`python3.12`) is left for PATH.
 * Undefined when it names `${workspaceFolder}` and there is none.
 */
export function expandPath(raw: string, context: ExpandContext): string | undefined {
  let value = raw.trim();
  if (value === '') return undefined;
  if (value.includes('${workspaceFolder}') && context.workspaceFolder === undefined) return undefined;
  value = value
    .replace(/\$\{workspaceFolder\}/g, context.workspaceFolder ?? '')
    .replace(/\$\{userHome\}/g, context.home)
    .replace(/\$\{env:([^}]+)\}/g, (_, name: string) => context.env[name] ?? '');
  if (value === '~') value = context.home;
  else if (value.startsWith('~/') || value.startsWith('~\\')) value = nodePath.join(context.home, value.slice(2));
  const hasDirectory = value.includes('/') || value.includes('\\');
  if (hasDirectory && !nodePath.isAbsolute(value) && context.workspaceFolder !== undefined) {
    value = nodePath.resolve(context.workspaceFolder, value);
  }
  return value;
}

/** True when the value is a bare program name, looked up on PATH when run. */
export function isBareName(value: string): boolean {
  return !value.includes('/') && !value.includes('\\');
}

export type Source = 'greenlint.path' | 'greenlint.interpreter' | 'Python extension' | 'PATH';

export interface ServerCommand {
  /** The program to run. */
  readonly command: string;
  /**
   * Its arguments: `['server', ...args]` for a greenlint executable, `[...prefix, '-c', SERVER_SCRIPT, 'server', ...args]`
   * for a Python (what `-m greenlint server` does, without the workspace on `sys.path`).
   */
  readonly args: readonly string[];
  /** The command line as logged: `<greenlint> server ...args`, or `<python> -m greenlint server ...args`. */
  readonly commandLine: string;
  /** The interpreter's command line (e.g. `['/usr/bin/python3']`), undefined when `greenlint.path` is used. */
  readonly python: readonly string[] | undefined;
  readonly source: Source;
  /** Settings that were set but not used, to log. */
  readonly warnings: readonly string[];
}

export interface ResolveInput extends ExpandContext {
  readonly trusted: boolean;
  readonly path: Scoped | undefined;
  readonly interpreter: Scoped | undefined;
  /**
   * `greenlint.path` / `greenlint.interpreter` when the workspace's settings files set them (read only in an
   * untrusted workspace, where VS Code leaves those values out of `path` / `interpreter`): reported as ignored,
   * never used.
   */
  readonly setInWorkspaceFiles?: readonly string[];
  /** `greenlint.args`. */
  readonly args: readonly string[];
  readonly platform: NodeJS.Platform;
  /** Whether a file exists at an absolute path. */
  readonly isFile: (path: string) => boolean;
  /** The Python extension's interpreter command (e.g. `['/venv/bin/python']`), undefined without one. Called only when needed. */
  readonly pythonExtension: () => Promise<readonly string[] | undefined>;
}

/** `greenlint.path` as a list: an array of strings (the declared type) or, leniently, one string. */
export function pathEntries(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() === '' ? [] : [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string' && item.trim() !== '');
  return [];
}

export function defaultPython(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'python' : 'python3';
}

export async function resolveServerCommand(input: ResolveInput): Promise<ServerCommand> {
  const warnings: string[] = [];
  const extra = [...input.args];
  const untrusted = (name: string) =>
    warnings.push(`${name} is set in the workspace settings but the workspace is not trusted: using the user setting, if any`);

  const setInFiles = (name: string) => !input.trusted && (input.setInWorkspaceFiles ?? []).includes(name);

  const path = trustedValue(input.path, input.trusted);
  if (path.ignored || setInFiles('greenlint.path')) untrusted('greenlint.path');
  const entries = pathEntries(path.value);
  for (const entry of entries) {
    const expanded = expandPath(entry, input);
    if (expanded === undefined) continue;
    if (isBareName(expanded) || input.isFile(expanded)) {
      const args = ['server', ...extra];
      return { command: expanded, args, commandLine: [expanded, ...args].join(' '), python: undefined, source: 'greenlint.path', warnings };
    }
  }
  if (entries.length > 0) warnings.push(`greenlint.path: none of ${JSON.stringify(entries)} exists`);

  const fromPython = (python: readonly string[], source: Source): ServerCommand => ({
    command: python[0] ?? defaultPython(input.platform),
    args: [...python.slice(1), '-c', SERVER_SCRIPT, 'server', ...extra],
    commandLine: [...python, '-m', 'greenlint', 'server', ...extra].join(' '),
    python,
    source,
    warnings,
  });

  const interpreter = trustedValue(input.interpreter, input.trusted);
  if (interpreter.ignored || setInFiles('greenlint.interpreter')) untrusted('greenlint.interpreter');
  if (typeof interpreter.value === 'string' && interpreter.value.trim() !== '') {
    const expanded = expandPath(interpreter.value, input);
    if (expanded !== undefined) return fromPython([expanded], 'greenlint.interpreter');
    warnings.push(`greenlint.interpreter: ${interpreter.value} names \${workspaceFolder} but no folder is open`);
  }

  let extension: readonly string[] | undefined;
  try {
    extension = await input.pythonExtension();
  } catch (error) {
    warnings.push(`the Python extension's interpreter could not be read: ${String(error)}`);
  }
  if (extension !== undefined && extension.length > 0 && extension[0] !== '') {
    return fromPython(extension, 'Python extension');
  }
  return fromPython([defaultPython(input.platform)], 'PATH');
}

/** The outcome of running `<python> -c "import greenlint; print(greenlint.__version__)"`. */
export type ImportCheck =
  | { readonly kind: 'ok'; readonly version: string }
  | { readonly kind: 'notInstalled'; readonly detail: string }
  | { readonly kind: 'noInterpreter'; readonly detail: string }
  | { readonly kind: 'failed'; readonly detail: string };

export interface ProcessOutcome {
  /** The spawn or exit error: `code` is `'ENOENT'` / `'EACCES'` when it could not start, the exit status otherwise. */
  readonly error?: { readonly code?: string | number | null; readonly killed?: boolean; readonly message: string } | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The first statement of every Python script the extension runs. `python -c` and `python -m` put the working
 * directory (the workspace) first on `sys.path`: a workspace's own `greenlint.py` or `greenlint/` would be imported
 * (run) in place of the installed package. The checked code is only ever read (as `python -P` would, from 3.11).
 */
const WITHOUT_WORKING_DIRECTORY = "import sys; sys.path[:] = [entry for entry in sys.path if entry != '']";

/** `python -m greenlint`, without the working directory on `sys.path`; the arguments follow it. */
export const SERVER_SCRIPT = `${WITHOUT_WORKING_DIRECTORY}; import runpy; runpy.run_module('greenlint', run_name='__main__', alter_sys=True)`;

export const IMPORT_CHECK_SCRIPT = `${WITHOUT_WORKING_DIRECTORY}; import greenlint; print(greenlint.__version__)`;

export function classifyImportCheck(outcome: ProcessOutcome): ImportCheck {
  const { error, stdout, stderr } = outcome;
  if (error === undefined || error === null) {
    return { kind: 'ok', version: stdout.trim().split(/\r?\n/).pop() ?? '' };
  }
  if (error.code === 'ENOENT' || error.code === 'EACCES' || error.code === 'ENOTDIR') {
    return { kind: 'noInterpreter', detail: error.message };
  }
  if (/No module named '?greenlint'?/.test(stderr)) {
    return { kind: 'notInstalled', detail: lastLine(stderr) };
  }
  if (error.killed === true) return { kind: 'failed', detail: 'timed out' };
  return { kind: 'failed', detail: lastLine(stderr) || error.message };
}

function lastLine(text: string): string {
  return text.trim().split(/\r?\n/).pop() ?? '';
}
