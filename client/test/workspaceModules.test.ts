import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { IMPORT_CHECK_SCRIPT, SERVER_SCRIPT } from '../src/common/interpreter';

/**
 * The extension starts Python in the workspace folder. A workspace's own `greenlint.py` or `greenlint/` package
 * must not be imported in place of the installed greenlint. Runs the real scripts with the Python on PATH that has
 * greenlint installed (CI's virtualenv; GREENLINT_PYTHON overrides it).
 */
const PYTHON = process.env.GREENLINT_PYTHON ?? 'python3';
const root = mkdtempSync(join(tmpdir(), 'greenlint-workspace-modules-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A workspace whose `greenlint` module (a file or a package) writes a marker file when imported. */
function baitWorkspace(kind: 'module' | 'package'): { folder: string; marker: string } {
  const folder = join(root, kind);
  const marker = join(folder, 'imported.marker');
  mkdirSync(folder);
  const bait = `open(${JSON.stringify(marker)}, "w").close()\n__version__ = "bait"\n`;
  if (kind === 'module') {
    writeFileSync(join(folder, 'greenlint.py'), bait);
  } else {
    mkdirSync(join(folder, 'greenlint'));
    writeFileSync(join(folder, 'greenlint', '__init__.py'), bait);
    writeFileSync(join(folder, 'greenlint', '__main__.py'), bait);
  }
  return { folder, marker };
}

function python(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(PYTHON, args, { cwd, encoding: 'utf8', timeout: 60000 });
  assert.equal(run.error, undefined, `${PYTHON} did not run: ${String(run.error)}`);
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const installed = python(['-c', 'import greenlint; print(greenlint.__version__)'], root).stdout.trim(); // root: no bait yet

describe("the workspace's own greenlint module is never imported", () => {
  it(`${PYTHON} has greenlint installed`, () => {
    assert.match(installed, /^\d+\.\d+/);
  });

  for (const kind of ['module', 'package'] as const) {
    it(`a greenlint ${kind} in the workspace: the bait works on \`python -m greenlint\``, () => {
      const { folder, marker } = baitWorkspace(kind);
      python(['-m', 'greenlint', '--version'], folder);
      assert.ok(existsSync(marker), 'control: plain `-m` imports the workspace module');
      rmSync(marker);

      const check = python(['-c', IMPORT_CHECK_SCRIPT], folder);
      assert.equal(check.status, 0, check.stderr);
      assert.equal(check.stdout.trim(), installed);
      assert.ok(!existsSync(marker), 'the import check imported the workspace module');

      const server = python(['-c', SERVER_SCRIPT, '--version'], folder);
      assert.equal(server.status, 0, server.stderr);
      assert.match(server.stdout, new RegExp(installed.replace(/\./g, '\\.')));
      assert.ok(!existsSync(marker), 'the server command imported the workspace module');
    });
  }
});
