import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pipInstallArgv, quotePosix, terminalCommand } from '../src/common/shell';
import { statusView } from '../src/common/status';

describe('the install command', () => {
  it('runs <python> -m pip install greenlint and closes the terminal on success', () => {
    assert.equal(terminalCommand(pipInstallArgv(['/usr/bin/python3']), 'linux'), '/usr/bin/python3 -m pip install greenlint && exit');
  });

  it('quotes paths with spaces and quotes', () => {
    assert.equal(quotePosix("/home/o'neil/my env/bin/python"), `'/home/o'\\''neil/my env/bin/python'`);
    assert.equal(quotePosix(''), "''");
    assert.equal(
      terminalCommand(pipInstallArgv(['C:\\Program Files\\Python312\\python.exe']), 'win32'),
      "& 'C:\\Program Files\\Python312\\python.exe' -m pip install greenlint",
    );
  });

  it('keeps an interpreter command line (conda run ...)', () => {
    assert.deepEqual(pipInstallArgv(['conda', 'run', '-n', 'app', 'python']), ['conda', 'run', '-n', 'app', 'python', '-m', 'pip', 'install', 'greenlint']);
  });
});

describe('the language status item', () => {
  it('shows the version and the interpreter when running', () => {
    const view = statusView({ kind: 'running', version: '0.1.0', interpreter: '/venv/bin/python', source: 'Python extension' });
    assert.equal(view.text, 'greenlint 0.1.0');
    assert.equal(view.detail, '/venv/bin/python (from Python extension)');
    assert.equal(view.severity, 'information');
    assert.equal(view.busy, false);
  });

  it('is busy while starting and an error when greenlint is missing', () => {
    assert.equal(statusView({ kind: 'starting' }).busy, true);
    const missing = statusView({ kind: 'notInstalled', interpreter: 'python3', source: 'PATH', detail: "No module named 'greenlint'" });
    assert.equal(missing.text, 'greenlint: not installed');
    assert.equal(missing.severity, 'error');
    assert.match(missing.detail, /python3 \(from PATH\)/);
    assert.equal(statusView({ kind: 'disabled' }).text, 'greenlint: disabled');
  });
});
