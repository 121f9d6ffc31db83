/**
 * The mapping from the `greenlint.*` VS Code settings to what the server reads (initializationOptions and the
 * answer to `workspace/configuration`, section `greenlint`), see server/greenlint/lsp/settings.py. Pure: settings
 * are read through a `get(key)` function.
 */

export const SECTION = 'greenlint';

export const SEVERITIES = ['error', 'warning', 'information', 'hint'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const RUN_MODES = ['onType', 'onSave'] as const;
export type RunMode = (typeof RUN_MODES)[number];

export const LOG_LEVELS = ['error', 'warning', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The settings object the server is given; `select` / `ignore` are absent to use the pyproject.toml lists. */
export interface ServerSettings {
  select?: string[];
  ignore?: string[];
  severity: Record<string, Severity>;
  run: RunMode;
  fixAll: boolean;
  codeAction: { disableRuleComment: { enable: boolean } };
  debounce: number;
  logLevel: LogLevel;
}

/** The settings that decide how the server process is started: a change restarts it. */
export interface LaunchSettings {
  enable: boolean;
  args: string[];
  logLevel: LogLevel;
}

export const DEFAULT_DEBOUNCE = 150;
export const MAX_DEBOUNCE = 10_000;

/** Settings whose change restarts the server (the others are sent with didChangeConfiguration). */
export const RESTART_SETTINGS = [
  'greenlint.enable',
  'greenlint.path',
  'greenlint.interpreter',
  'greenlint.args',
  'greenlint.logLevel',
] as const;

/** Reads one setting by its key inside the section (`select`, `codeAction.disableRuleComment.enable` ...). */
export type Getter = (key: string) => unknown;
export type Warn = (message: string) => void;

const ignoreWarnings: Warn = () => undefined;

export function serverSettings(get: Getter, warn: Warn = ignoreWarnings): ServerSettings {
  const settings: ServerSettings = {
    severity: severities(get('severity'), warn),
    run: oneOf(get('run'), RUN_MODES, 'onType', 'greenlint.run', warn),
    fixAll: bool(get('fixAll'), true, 'greenlint.fixAll', warn),
    codeAction: {
      disableRuleComment: {
        enable: bool(get('codeAction.disableRuleComment.enable'), true, 'greenlint.codeAction.disableRuleComment.enable', warn),
      },
    },
    debounce: debounce(get('debounce'), warn),
    logLevel: logLevel(get('logLevel'), warn),
  };
  const select = selectors(get('select'), 'greenlint.select', warn);
  if (select !== undefined) settings.select = select;
  const ignore = selectors(get('ignore'), 'greenlint.ignore', warn);
  if (ignore !== undefined) settings.ignore = ignore;
  return settings;
}

export function launchSettings(get: Getter, warn: Warn = ignoreWarnings): LaunchSettings {
  return {
    enable: bool(get('enable'), true, 'greenlint.enable', warn),
    args: strings(get('args'), 'greenlint.args', warn),
    logLevel: logLevel(get('logLevel'), warn),
  };
}

/** Whether a configuration change needs a restart, given `affects` = `ConfigurationChangeEvent.affectsConfiguration`. */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return RESTART_SETTINGS.some((key) => affects(key));
}

/** Whether a configuration change concerns greenlint at all. */
export function concernsGreenlint(affects: (section: string) => boolean): boolean {
  return affects(SECTION);
}

/** A rule list: null / absent means "use pyproject.toml"; a comma-separated string is accepted too. */
function selectors(value: unknown, name: string, warn: Warn): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') value = value.split(',');
  if (!Array.isArray(value)) {
    warn(`${name} must be a list of rule codes or names, got ${JSON.stringify(value)}: using pyproject.toml`);
    return undefined;
  }
  const items: string[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== 'string') {
      warn(`${name}: ${JSON.stringify(item)} is not a string: left out`);
      continue;
    }
    const trimmed = item.trim();
    if (trimmed !== '') items.push(trimmed);
  }
  return items;
}

function severities(value: unknown, warn: Warn): Record<string, Severity> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    warn(`greenlint.severity must map rule codes or names to a severity, got ${JSON.stringify(value)}`);
    return {};
  }
  const found: Record<string, Severity> = {};
  for (const [rule, level] of Object.entries(value as Record<string, unknown>)) {
    const normalized = typeof level === 'string' ? level.trim().toLowerCase() : level;
    const alias = normalized === 'info' ? 'information' : normalized === 'warn' ? 'warning' : normalized;
    if (typeof alias === 'string' && (SEVERITIES as readonly string[]).includes(alias) && rule.trim() !== '') {
      found[rule.trim()] = alias as Severity;
    } else {
      warn(`greenlint.severity[${JSON.stringify(rule)}] must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(level)}: left out`);
    }
  }
  return found;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T, name: string, warn: Warn): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  warn(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}: using ${fallback}`);
  return fallback;
}

function bool(value: unknown, fallback: boolean, name: string, warn: Warn): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  warn(`${name} must be true or false, got ${JSON.stringify(value)}: using ${String(fallback)}`);
  return fallback;
}

function debounce(value: unknown, warn: Warn): number {
  if (value === undefined || value === null) return DEFAULT_DEBOUNCE;
  if (typeof value === 'number' && Number.isFinite(value)) {
    const clamped = Math.min(MAX_DEBOUNCE, Math.max(0, Math.round(value)));
    if (clamped !== value) warn(`greenlint.debounce must be whole milliseconds between 0 and ${MAX_DEBOUNCE}, got ${value}: using ${clamped}`);
    return clamped;
  }
  warn(`greenlint.debounce must be a number of milliseconds, got ${JSON.stringify(value)}: using ${DEFAULT_DEBOUNCE}`);
  return DEFAULT_DEBOUNCE;
}

function logLevel(value: unknown, warn: Warn): LogLevel {
  const normalized = value === 'warn' ? 'warning' : value === 'information' ? 'info' : value;
  return oneOf(normalized, LOG_LEVELS, 'warning', 'greenlint.logLevel', warn);
}

function strings(value: unknown, name: string, warn: Warn): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return [...value];
  warn(`${name} must be a list of strings, got ${JSON.stringify(value)}: ignored`);
  return [];
}

/** The environment variable that carries `greenlint.logLevel` to the server process. */
export const LOG_LEVEL_ENV = 'GREENLINT_LOG_LEVEL';
