import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSettingsFile, settingsSet, stripJsonc, workspaceFileSettings } from '../src/common/settingsFile';

const NAMES = ['greenlint.path', 'greenlint.interpreter'];

describe('settings files', () => {
  it('read JSON with comments and trailing commas, as VS Code writes them', () => {
    const text = [
      '\uFEFF{',
      '  // a line comment with "quotes" and a, comma',
      '  "greenlint.path": ["${workspaceFolder}/bin/greenlint",],  /* a block',
      '     comment */',
      '  "greenlint.interpreter": "bin/python", // trailing',
      '  "url": "http://example.com/*not a comment*/",',
      '  "comma": "a,}",',
      '}',
    ].join('\n');
    assert.deepEqual(parseSettingsFile(text), {
      'greenlint.path': ['${workspaceFolder}/bin/greenlint'],
      'greenlint.interpreter': 'bin/python',
      url: 'http://example.com/*not a comment*/',
      comma: 'a,}',
    });
  });

  it('keep escaped quotes inside strings', () => {
    assert.equal(stripJsonc('{"a": "x\\"//y", // c\n}'), '{"a": "x\\"//y" \n}');
  });

  it('give undefined for anything but an object', () => {
    assert.equal(parseSettingsFile(''), undefined);
    assert.equal(parseSettingsFile('[1]'), undefined);
    assert.equal(parseSettingsFile('{"a": '), undefined);
  });

  it('find the names set, dotted or nested', () => {
    assert.deepEqual(settingsSet({ 'greenlint.interpreter': 'x', 'greenlint.args': [] }, NAMES), ['greenlint.interpreter']);
    assert.deepEqual(settingsSet({ greenlint: { path: ['x'], interpreter: '' } }, NAMES), NAMES);
    assert.deepEqual(settingsSet({ 'editor.tabSize': 2 }, NAMES), []);
    assert.deepEqual(settingsSet(undefined, NAMES), []);
  });

  it("take a .code-workspace file's settings", () => {
    assert.deepEqual(workspaceFileSettings({ folders: [], settings: { 'greenlint.path': ['x'] } }), { 'greenlint.path': ['x'] });
    assert.equal(workspaceFileSettings({ folders: [] }), undefined);
    assert.equal(workspaceFileSettings(undefined), undefined);
  });
});
