import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESTART_SETTINGS, type ServerSettings, launchSettings, needsRestart, serverSettings } from '../src/common/config';

/** A getter over a nested settings object, like WorkspaceConfiguration.get('codeAction.disableRuleComment.enable'). */
function getter(values: Record<string, unknown>): (key: string) => unknown {
  return (key) => {
    let current: unknown = values;
    for (const part of key.split('.')) {
      if (typeof current !== 'object' || current === null) return undefined;
      current = (current as Record<string, unknown>)[part];
    }
    return current;
  };
}

function collect(): { warnings: string[]; warn: (message: string) => void } {
  const warnings: string[] = [];
  return { warnings, warn: (message) => warnings.push(message) };
}

const DEFAULTS: ServerSettings = {
  severity: {},
  run: 'onType',
  fixAll: true,
  codeAction: { disableRuleComment: { enable: true } },
  debounce: 150,
  logLevel: 'warning',
};

describe('server settings', () => {
  it('defaults match the server (select / ignore absent: pyproject.toml decides)', () => {
    const { warnings, warn } = collect();
    const settings = serverSettings(getter({}), warn);
    assert.deepEqual(settings, DEFAULTS);
    assert.equal('select' in settings, false);
    assert.equal('ignore' in settings, false);
    assert.deepEqual(warnings, []);
  });

  it("VS Code's contributed defaults (null lists, empty objects) give the same", () => {
    const settings = serverSettings(
      getter({ select: null, ignore: null, severity: {}, run: 'onType', fixAll: true, codeAction: { disableRuleComment: { enable: true } }, debounce: 150, logLevel: 'warning' }),
    );
    assert.deepEqual(settings, DEFAULTS);
  });

  it('maps every setting to the shape of server/greenlint/lsp/settings.py', () => {
    const settings = serverSettings(
      getter({
        select: ['GL0', 'unawaited-async-call'],
        ignore: [],
        severity: { GL008: 'error', GL003: 'hint' },
        run: 'onSave',
        fixAll: false,
        codeAction: { disableRuleComment: { enable: false } },
        debounce: 400,
        logLevel: 'debug',
        // settings that are the client's only are not sent
        path: ['/x/greenlint'],
        interpreter: '/usr/bin/python3',
        args: ['--tcp'],
      }),
    );
    assert.deepEqual(settings, {
      select: ['GL0', 'unawaited-async-call'],
      ignore: [],
      severity: { GL008: 'error', GL003: 'hint' },
      run: 'onSave',
      fixAll: false,
      codeAction: { disableRuleComment: { enable: false } },
      debounce: 400,
      logLevel: 'debug',
    });
    assert.equal(JSON.stringify(settings).includes('/usr/bin/python3'), false);
  });

  it('an empty list stays a list (select nothing), distinct from null (pyproject.toml)', () => {
    assert.deepEqual(serverSettings(getter({ select: [] })).select, []);
    assert.equal(serverSettings(getter({ select: null })).select, undefined);
  });

  it('is lenient: bad values are reported and replaced by the defaults', () => {
    const { warnings, warn } = collect();
    const settings = serverSettings(
      getter({
        select: 'GL002, GL004',
        ignore: [' GL003 ', 7, ''],
        severity: { GL008: 'info', GL002: 'fatal', GL004: 'WARN' },
        run: 'always',
        fixAll: 'yes',
        codeAction: { disableRuleComment: { enable: 1 } },
        debounce: 20_000,
        logLevel: 'loud',
      }),
      warn,
    );
    assert.deepEqual(settings.select, ['GL002', 'GL004']);
    assert.deepEqual(settings.ignore, ['GL003']);
    assert.deepEqual(settings.severity, { GL008: 'information', GL004: 'warning' });
    assert.equal(settings.run, 'onType');
    assert.equal(settings.fixAll, true);
    assert.equal(settings.codeAction.disableRuleComment.enable, true);
    assert.equal(settings.debounce, 10_000);
    assert.equal(settings.logLevel, 'warning');
    for (const name of ['ignore', 'severity', 'run', 'fixAll', 'disableRuleComment', 'debounce', 'logLevel']) {
      assert.ok(warnings.some((w) => w.includes(name)), `a warning names ${name}: ${warnings.join(' | ')}`);
    }
  });

  it('rejects a severity that is not an object and a negative debounce', () => {
    const { warnings, warn } = collect();
    const settings = serverSettings(getter({ severity: ['GL002'], debounce: -5, select: 3 }), warn);
    assert.deepEqual(settings.severity, {});
    assert.equal(settings.debounce, 0);
    assert.equal(settings.select, undefined);
    assert.equal(warnings.length, 3);
  });
});

describe('launch settings', () => {
  it('defaults', () => {
    assert.deepEqual(launchSettings(getter({})), { enable: true, args: [], logLevel: 'warning' });
  });

  it('reads enable, args and logLevel', () => {
    assert.deepEqual(launchSettings(getter({ enable: false, args: ['--x'], logLevel: 'info' })), {
      enable: false,
      args: ['--x'],
      logLevel: 'info',
    });
  });

  it('ignores bad args', () => {
    const { warnings, warn } = collect();
    assert.deepEqual(launchSettings(getter({ args: '--x' }), warn).args, []);
    assert.equal(warnings.length, 1);
  });
});

describe('which changes restart the server', () => {
  const change = (...sections: string[]) => (section: string) =>
    sections.some((changed) => changed === section || changed.startsWith(`${section}.`) || section.startsWith(`${changed}.`));

  it('path, interpreter, args, enable and logLevel restart', () => {
    for (const key of ['greenlint.path', 'greenlint.interpreter', 'greenlint.args', 'greenlint.enable', 'greenlint.logLevel']) {
      assert.equal(needsRestart(change(key)), true, key);
    }
    assert.equal(RESTART_SETTINGS.length, 5);
  });

  it('the others are pushed with didChangeConfiguration', () => {
    for (const key of ['greenlint.select', 'greenlint.run', 'greenlint.severity', 'greenlint.codeAction.disableRuleComment.enable', 'greenlint.trace.server', 'python.analysis']) {
      assert.equal(needsRestart(change(key)), false, key);
    }
  });
});
