import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ResolveInput,
  type Scoped,
  classifyImportCheck,
  expandPath,
  pathEntries,
  resolveServerCommand,
  SERVER_SCRIPT,
  trustedValue,
} from '../src/common/interpreter';

function input(overrides: Partial<ResolveInput> = {}): ResolveInput {
  return {
    trusted: true,
    path: undefined,
    interpreter: undefined,
    args: [],
    platform: 'linux',
    workspaceFolder: '/ws',
    home: '/home/me',
    env: { VENV: '/opt/venv' },
    isFile: () => true,
    pythonExtension: () => Promise.resolve(undefined),
    ...overrides,
  };
}

const user = (value: unknown): Scoped => ({ globalValue: value });
const workspace = (value: unknown): Scoped => ({ workspaceValue: value });

describe('resolution order', () => {
  it('greenlint.path wins over everything and runs `<path> server ...args`', async () => {
    let askedExtension = false;
    const command = await resolveServerCommand(
      input({
        path: user(['/usr/local/bin/greenlint']),
        interpreter: user('/usr/bin/python3.12'),
        args: ['--tcp', '127.0.0.1:2087'],
        pythonExtension: () => {
          askedExtension = true;
          return Promise.resolve(['/ext/python']);
        },
      }),
    );
    assert.equal(command.source, 'greenlint.path');
    assert.equal(command.command, '/usr/local/bin/greenlint');
    assert.deepEqual(command.args, ['server', '--tcp', '127.0.0.1:2087']);
    assert.equal(command.commandLine, '/usr/local/bin/greenlint server --tcp 127.0.0.1:2087');
    assert.equal(command.python, undefined);
    assert.equal(askedExtension, false, 'the Python extension is not consulted when greenlint.path applies');
  });

  it('greenlint.path uses the first entry that exists and reports none existing', async () => {
    const exists = new Set(['/b/greenlint']);
    const first = await resolveServerCommand(input({ path: user(['/a/greenlint', '/b/greenlint']), isFile: (p) => exists.has(p) }));
    assert.equal(first.command, '/b/greenlint');

    const none = await resolveServerCommand(input({ path: user(['/a/greenlint']), isFile: () => false }));
    assert.equal(none.source, 'PATH');
    assert.match(none.warnings.join('\n'), /none of .*\/a\/greenlint.* exists/);
  });

  it('greenlint.path accepts a single string and a bare name (looked up on PATH)', async () => {
    const command = await resolveServerCommand(input({ path: user('greenlint'), isFile: () => false }));
    assert.equal(command.source, 'greenlint.path');
    assert.equal(command.command, 'greenlint');
  });

  it('greenlint.interpreter comes next: `<python> -m greenlint server ...args`, without the workspace on sys.path', async () => {
    const command = await resolveServerCommand(
      input({ interpreter: user('/usr/bin/python3.12'), args: ['-v'], pythonExtension: () => Promise.resolve(['/ext/python']) }),
    );
    assert.equal(command.source, 'greenlint.interpreter');
    assert.equal(command.command, '/usr/bin/python3.12');
    assert.deepEqual(command.args, ['-c', SERVER_SCRIPT, 'server', '-v']);
    assert.equal(command.commandLine, '/usr/bin/python3.12 -m greenlint server -v');
    assert.deepEqual(command.python, ['/usr/bin/python3.12']);
  });

  it("then the Python extension's interpreter, with its whole command line", async () => {
    const command = await resolveServerCommand(input({ pythonExtension: () => Promise.resolve(['conda', 'run', '-n', 'app', 'python']) }));
    assert.equal(command.source, 'Python extension');
    assert.equal(command.command, 'conda');
    assert.deepEqual(command.args, ['run', '-n', 'app', 'python', '-c', SERVER_SCRIPT, 'server']);
    assert.equal(command.commandLine, 'conda run -n app python -m greenlint server');
    assert.deepEqual(command.python, ['conda', 'run', '-n', 'app', 'python']);
  });

  it('then python3 on PATH (python on Windows)', async () => {
    const linux = await resolveServerCommand(input());
    assert.equal(linux.source, 'PATH');
    assert.equal(linux.command, 'python3');
    assert.deepEqual(linux.args, ['-c', SERVER_SCRIPT, 'server']);
    const windows = await resolveServerCommand(input({ platform: 'win32' }));
    assert.equal(windows.command, 'python');
  });

  it('falls back to PATH when the Python extension fails or has no interpreter', async () => {
    const failing = await resolveServerCommand(input({ pythonExtension: () => Promise.reject(new Error('boom')) }));
    assert.equal(failing.source, 'PATH');
    assert.match(failing.warnings.join('\n'), /boom/);
    const empty = await resolveServerCommand(input({ pythonExtension: () => Promise.resolve([]) }));
    assert.equal(empty.source, 'PATH');
  });

  it('empty settings are unset', async () => {
    const command = await resolveServerCommand(input({ path: user([]), interpreter: user('  ') }));
    assert.equal(command.source, 'PATH');
    assert.deepEqual(command.warnings, []);
  });
});

describe('untrusted workspaces', () => {
  it('ignore workspace and folder values of greenlint.path and greenlint.interpreter', async () => {
    const command = await resolveServerCommand(
      input({
        trusted: false,
        path: { workspaceValue: ['/evil/greenlint'] },
        interpreter: { workspaceFolderValue: './evil-python' },
      }),
    );
    assert.equal(command.source, 'PATH');
    assert.equal(command.command, 'python3');
    assert.equal(command.warnings.filter((w) => w.includes('not trusted')).length, 2);
  });

  it('still use the user-level values', async () => {
    const command = await resolveServerCommand(
      input({ trusted: false, interpreter: { globalValue: '/usr/bin/python3.11', workspaceValue: '/evil/python' } }),
    );
    assert.equal(command.source, 'greenlint.interpreter');
    assert.equal(command.command, '/usr/bin/python3.11');
    const path = await resolveServerCommand(
      input({ trusted: false, path: { globalValue: ['/home/me/.local/bin/greenlint'], workspaceFolderValue: ['/evil'] } }),
    );
    assert.equal(path.command, '/home/me/.local/bin/greenlint');
  });

  it('still use the Python extension when nothing trusted is set', async () => {
    const command = await resolveServerCommand(
      input({ trusted: false, interpreter: workspace('/evil/python'), pythonExtension: () => Promise.resolve(['/ext/python']) }),
    );
    assert.equal(command.source, 'Python extension');
  });

  it('report the names VS Code left out of the configuration (Restricted Mode) as ignored, without using them', async () => {
    // What VS Code gives an extension in Restricted Mode: no workspace values of the restricted settings at all.
    const command = await resolveServerCommand(
      input({
        trusted: false,
        interpreter: user('/usr/bin/python3.11'),
        setInWorkspaceFiles: ['greenlint.path', 'greenlint.interpreter'],
      }),
    );
    assert.equal(command.source, 'greenlint.interpreter');
    assert.equal(command.command, '/usr/bin/python3.11');
    const ignored = command.warnings.filter((w) => w.includes('is set in the workspace settings but the workspace is not trusted'));
    assert.deepEqual(
      ignored.map((w) => w.split(' ')[0]),
      ['greenlint.path', 'greenlint.interpreter'],
    );
  });

  it('say nothing about the settings files in a trusted workspace', async () => {
    const command = await resolveServerCommand(
      input({ trusted: true, interpreter: user('/usr/bin/python3.11'), setInWorkspaceFiles: ['greenlint.path', 'greenlint.interpreter'] }),
    );
    assert.deepEqual(command.warnings, []);
  });

  it('in a trusted workspace the most specific scope wins', () => {
    const scoped: Scoped = { globalValue: 'u', workspaceValue: 'w', workspaceFolderValue: 'f' };
    assert.deepEqual(trustedValue(scoped, true), { value: 'f', scope: 'workspaceFolder', ignored: false });
    assert.deepEqual(trustedValue({ globalValue: 'u', workspaceValue: 'w' }, true), { value: 'w', scope: 'workspace', ignored: false });
    assert.deepEqual(trustedValue(scoped, false), { value: 'u', scope: 'user', ignored: true });
    assert.deepEqual(trustedValue(undefined, false), { value: undefined, scope: undefined, ignored: false });
  });
});

describe('paths', () => {
  const context = { workspaceFolder: '/ws', home: '/home/me', env: { VENV: '/opt/venv' } };

  it('expands ~, ${userHome}, ${workspaceFolder} and ${env:NAME}', () => {
    assert.equal(expandPath('~/bin/greenlint', context), '/home/me/bin/greenlint');
    assert.equal(expandPath('${userHome}/py', context), '/home/me/py');
    assert.equal(expandPath('${workspaceFolder}/.venv/bin/python', context), '/ws/.venv/bin/python');
    assert.equal(expandPath('${env:VENV}/bin/python', context), '/opt/venv/bin/python');
  });

  it('resolves relative paths against the workspace folder, leaves bare names for PATH', () => {
    assert.equal(expandPath('.venv/bin/python', context), '/ws/.venv/bin/python');
    assert.equal(expandPath('python3.12', context), 'python3.12');
  });

  it('gives up on ${workspaceFolder} without a folder', () => {
    assert.equal(expandPath('${workspaceFolder}/.venv/bin/python', { home: '/h', env: {} }), undefined);
  });

  it('relative interpreter through the resolver', async () => {
    const command = await resolveServerCommand(input({ interpreter: user('.venv/bin/python') }));
    assert.equal(command.command, '/ws/.venv/bin/python');
  });

  it('reads greenlint.path leniently', () => {
    assert.deepEqual(pathEntries(['a', '', 3, 'b']), ['a', 'b']);
    assert.deepEqual(pathEntries('x'), ['x']);
    assert.deepEqual(pathEntries(''), []);
    assert.deepEqual(pathEntries(null), []);
  });
});

describe('the import check', () => {
  it('reads the version', () => {
    assert.deepEqual(classifyImportCheck({ error: null, stdout: '0.1.0\n', stderr: '' }), { kind: 'ok', version: '0.1.0' });
  });

  it('tells a missing module from a missing interpreter and other failures', () => {
    const missing = classifyImportCheck({
      error: { code: 1, message: 'Command failed' },
      stdout: '',
      stderr: "Traceback (most recent call last):\n  File \"<string>\", line 1\nModuleNotFoundError: No module named 'greenlint'\n",
    });
    assert.equal(missing.kind, 'notInstalled');
    assert.equal(classifyImportCheck({ error: { code: 'ENOENT', message: 'spawn python3 ENOENT' }, stdout: '', stderr: '' }).kind, 'noInterpreter');
    assert.deepEqual(classifyImportCheck({ error: { code: null, killed: true, message: 'killed' }, stdout: '', stderr: '' }), {
      kind: 'failed',
      detail: 'timed out',
    });
    const broken = classifyImportCheck({ error: { code: 1, message: 'x' }, stdout: '', stderr: "ImportError: cannot import name 'x' from 'pygls'" });
    assert.equal(broken.kind, 'failed');
  });
});
