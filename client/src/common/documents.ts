/**
 * The documents the server checks: Python files, and the dependency manifests GL301 reads (the same names as
 * `is_manifest` in server/greenlint/core/files.py). Pure data, so that it is unit-tested without VS Code.
 */

/** A document filter as vscode-languageclient's `DocumentSelector` takes it. */
export type DocumentFilter = { readonly scheme: string; readonly language: string } | { readonly scheme: string; readonly pattern: string };

/** The manifests, as glob patterns of their paths. */
export const MANIFEST_PATTERNS = ['**/pyproject.toml', '**/requirements*.txt', '**/requirements/*.txt', '**/setup.cfg'] as const;

/** Python files (saved and untitled), and the dependency manifests on disk. */
export const DOCUMENT_SELECTOR: readonly DocumentFilter[] = [
  { scheme: 'file', language: 'python' },
  { scheme: 'untitled', language: 'python' },
  ...MANIFEST_PATTERNS.map((pattern) => ({ scheme: 'file', pattern })),
];
