/**
 * Which settings a VS Code settings file (`.vscode/settings.json`, or the `settings` of a `.code-workspace` file)
 * sets. In an untrusted workspace VS Code leaves the workspace's values of restricted settings (`greenlint.path`,
 * `greenlint.interpreter`: package.json `capabilities.untrustedWorkspaces.restrictedConfigurations`) out of the
 * configuration the extension sees, so the extension reads the files to tell the user that they are ignored.
 * Only the names are reported: the values are never used. Pure: the caller reads the files.
 */

/** JSON with comments and trailing commas (as VS Code writes its settings files) to JSON; strings are kept as is. */
export function stripJsonc(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charAt(i);
    if (c === '"') {
      // A string, escapes included, copied unchanged.
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i += 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      out += ' ';
    } else {
      out += c;
      i += 1;
    }
  }
  // Trailing commas: `,` followed (after whitespace) by `}` or `]`. Outside strings only: strings are skipped again.
  return out.replace(/("(?:[^"\\]|\\.)*")|,(\s*[}\]])/g, (match, string: string | undefined, closing: string | undefined) => string ?? closing ?? match);
}

/** A settings file's object, undefined when it is not an object (or not JSONC at all). */
export function parseSettingsFile(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(stripJsonc(text.replace(/^\uFEFF/, '')));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The names among `names` (e.g. `greenlint.path`) that a settings object sets, as a dotted key (`"greenlint.path"`)
 * or nested (`"greenlint": {"path": ...}`).
 */
export function settingsSet(settings: Record<string, unknown> | undefined, names: readonly string[]): string[] {
  if (settings === undefined) return [];
  return names.filter((name) => {
    if (settings[name] !== undefined) return true;
    const dot = name.indexOf('.');
    if (dot < 0) return false;
    const section = settings[name.slice(0, dot)];
    return typeof section === 'object' && section !== null && (section as Record<string, unknown>)[name.slice(dot + 1)] !== undefined;
  });
}

/** The `settings` object of a parsed `.code-workspace` file, if any. */
export function workspaceFileSettings(workspaceFile: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const settings = workspaceFile?.settings;
  return typeof settings === 'object' && settings !== null && !Array.isArray(settings) ? (settings as Record<string, unknown>) : undefined;
}
