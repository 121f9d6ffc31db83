import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOCUMENT_SELECTOR, MANIFEST_PATTERNS } from '../src/common/documents';

// A glob pattern (double-star directories and `*` only), as VS Code matches it against a whole path.
function globRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  const source = escaped.split('**/').map((part) => part.replace(/\*/g, '[^/]*')).join('(?:.*/)?');
  return new RegExp(`^${source}$`);
}

function isManifest(path: string): boolean {
  return MANIFEST_PATTERNS.some((pattern) => globRegExp(pattern).test(path));
}

describe('DOCUMENT_SELECTOR', () => {
  it('selects Python documents, saved and untitled', () => {
    assert.deepEqual(DOCUMENT_SELECTOR.slice(0, 2), [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
    ]);
  });

  it('selects the manifests on disk only', () => {
    const manifests = DOCUMENT_SELECTOR.slice(2);
    assert.equal(manifests.length, MANIFEST_PATTERNS.length);
    for (const filter of manifests) assert.equal(filter.scheme, 'file');
  });

  it('matches the manifest names the server checks', () => {
    for (const path of [
      '/w/pyproject.toml',
      '/w/svc/pyproject.toml',
      '/w/requirements.txt',
      '/w/requirements-dev.txt',
      '/w/requirements/base.txt',
      '/w/setup.cfg',
    ]) {
      assert.ok(isManifest(path), path);
    }
    for (const path of ['/w/setup.py', '/w/constraints.txt', '/w/docs/notes.txt', '/w/requirements.in', '/w/app.py']) {
      assert.ok(!isManifest(path), path);
    }
  });
});
