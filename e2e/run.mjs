#!/usr/bin/env node
// End-to-end test of the packaged VS Code extension in real VS Code (code-server 4.100.3 = VS Code 1.100.3),
// driven in headless Debian Chromium by playwright-core, as a person would use it.
//
//   node e2e/run.mjs [path/to/greenlint-X.Y.Z.vsix]      (default: greenlint-0.1.0.vsix at the repo root)
//   node e2e/run.mjs --untrusted [path/to/...vsix]       the untrusted-workspace scenario instead (see below)
//
// The default scenario (workspace trust off): squiggle, Problems panel, Ctrl+. quick fix, apply + save, fix-all, GL301.
// --untrusted: workspace trust on and the folder not trusted (Restricted Mode); the workspace's .vscode/settings.json
// names its own greenlint.path / greenlint.interpreter (scripts that write a marker file outside the workspace). They
// must never run, and greenlint must still work with the user-level greenlint.interpreter. Screenshots go to
// e2e/output/untrusted/.
//
// Environment:
//   GREENLINT_PYTHON        a Python that has greenlint installed (default: .venv/bin/python at the repo root)
//   GREENLINT_E2E_TIMEOUT   overall timeout in seconds (default 180)
//   GREENLINT_E2E_KEEP=1    keep the temporary folder (workspace, settings, logs) after a passing run
//   GREENLINT_E2E_NO_MEDIA=1  do not copy the README screenshots to client/media/
//   GREENLINT_E2E_FIXALL=source  run fix-all from the Source Action menu even if greenlint.fixAll is contributed
//
// Needs `bash e2e/setup.sh` first (Debian Chromium, and code-server + playwright-core under .e2e/).
// Screenshots of every step go to e2e/output/ (e2e/output/untrusted/ with --untrusted); on failure also failure.png
// and the VS Code logs (logs/) there.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const E2E_TOOLS = path.join(ROOT, '.e2e');
const OPTIONS = ['--untrusted'];
const args = process.argv.slice(2);
const unknownOption = args.find((a) => a.startsWith('-') && !OPTIONS.includes(a));
if (unknownOption) {
  console.error(`e2e: unknown option ${unknownOption}\nusage: node e2e/run.mjs [--untrusted] [path/to/greenlint-X.Y.Z.vsix]`);
  process.exit(2);
}
const UNTRUSTED = args.includes('--untrusted');
const OUTPUT = path.join(ROOT, 'e2e', 'output', ...(UNTRUSTED ? ['untrusted'] : []));
const MEDIA = path.join(ROOT, 'client', 'media');
const EXAMPLE = path.join(ROOT, 'examples', 'shop');
const CODE_SERVER = path.join(E2E_TOOLS, 'node_modules', '.bin', 'code-server');
const CHROMIUM = process.env.GREENLINT_E2E_CHROMIUM || '/usr/bin/chromium';
const TIMEOUT_S = Number(process.env.GREENLINT_E2E_TIMEOUT || 180);

const VSIX = path.resolve(args.find((a) => !a.startsWith('-')) ?? path.join(ROOT, 'greenlint-0.1.0.vsix'));
const PYTHON = process.env.GREENLINT_PYTHON || path.join(ROOT, '.venv', 'bin', 'python');

// The file and line the quick-fix steps work on, and the file fix-all works on.
const QUICKFIX_FILE = 'shop/orders.py';
const QUICKFIX_LINE_TEXT = 'db.commit()  # expect: GL002';
const QUICKFIX_TITLE = 'greenlint (GL002): Add await';
const FIXALL_FILE = 'shop/catalog.py';
// The dependency manifest the GL301 step fixes (SQLAlchemy 2.1 without the `asyncio` extra), and its fix.
const DEPS_FILE = 'pyproject.toml';
const DEPS_LINE_TEXT = '"sqlalchemy>=2.1",  # expect: GL301';
const DEPS_FIXED_TEXT = '"sqlalchemy[asyncio]>=2.1",  # expect: GL301';
const DEPS_FIX_TITLE = 'greenlint (GL301): Depend on `sqlalchemy[asyncio]` (installs greenlet)';

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const log = (msg) => console.log(`[e2e ${elapsed().padStart(7)}] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class Failure extends Error {}
const fail = (msg) => {
  throw new Failure(msg);
};

// ---------------------------------------------------------------------------------------------------------------
// Processes we start, and their cleanup (always, whatever happens).
let codeServer = null; // ChildProcess, leader of its own process group
let browser = null;
let currentPage = null; // for the failure screenshot
let tmp = null;
let cleanedUp = false;

function killCodeServer(signal = 'SIGTERM') {
  if (!codeServer) return;
  try {
    process.kill(-codeServer.pid, signal); // its whole group: code-server, its extension hosts, the language server
  } catch {
    /* already gone */
  }
}

async function cleanup({ keepTmp }) {
  if (cleanedUp) return;
  cleanedUp = true;
  if (browser) {
    // playwright-core launched Chromium and kills it itself should close() hang or Node exit first.
    await Promise.race([browser.close().catch(() => {}), sleep(5000)]);
  }
  if (codeServer) {
    // code-server, its extension host and the language server it started share one process group.
    const groupAlive = () => {
      try {
        process.kill(-codeServer.pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    if (groupAlive()) {
      killCodeServer('SIGTERM');
      for (let i = 0; i < 30 && groupAlive(); i++) await sleep(100);
      if (groupAlive()) killCodeServer('SIGKILL');
    }
  }
  if (tmp && !keepTmp) fs.rmSync(tmp, { recursive: true, force: true });
}

// Last resort if Node exits some other way (synchronous only; playwright-core does the same for Chromium).
process.on('exit', () => {
  if (codeServer) killCodeServer('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    console.error(`\ne2e: interrupted (${sig})`);
    await cleanup({ keepTmp: false });
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function httpOk(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode >= 200 && res.statusCode < 400);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** Polls `fn` until it returns a truthy value; fails with `what` (and the last value seen) after `ms`. */
async function waitFor(what, fn, { ms = 20000, every = 250 } = {}) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      fail(`timed out after ${ms / 1000} s waiting for ${what}${detail !== undefined ? ` (last seen: ${detail})` : ''}`);
    }
    await sleep(every);
  }
}

async function screenshot(page, name) {
  const file = path.join(OUTPUT, name);
  await page.screenshot({ path: file });
  log(`screenshot ${path.relative(ROOT, file)}`);
  return file;
}

function runSync(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60000, ...opts });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, error: r.error };
}

/** greenlint's own findings for a file of the workspace, from the CLI (the truth on disk). */
function cliFindings(workspace, rel) {
  const r = runSync(PYTHON, ['-m', 'greenlint', 'check', '--no-cache', '--format', 'json', rel], { cwd: workspace });
  try {
    return JSON.parse(r.out.slice(r.out.indexOf('[')));
  } catch {
    fail(`could not read \`greenlint check --format json ${rel}\`'s output:\n${r.out}`);
  }
}
const safeFixes = (findings) => findings.filter((f) => f.fix && f.fix.applicability === 'safe');

// ----- workbench helpers (all DOM queries run in the page) -----

/** The active editor's view of the line containing `needle`: is it rendered, and how many error squiggles on it. */
function lineState(page, needle) {
  return page.evaluate((needle) => {
    const editor =
      document.querySelector('.part.editor .editor-group-container.active .editor-instance .monaco-editor') ||
      document.querySelector('.part.editor .monaco-editor');
    if (!editor) return { editor: false };
    const norm = (s) => s.replace(/\u00a0/g, ' ');
    const line = [...editor.querySelectorAll('.view-lines .view-line')].find((l) => norm(l.textContent).includes(needle));
    const all = [...editor.querySelectorAll('.squiggly-error')];
    if (!line) return { editor: true, line: false, squigglesInEditor: all.length };
    const r = line.getBoundingClientRect();
    const onLine = all.filter((s) => {
      const b = s.getBoundingClientRect();
      const mid = (b.top + b.bottom) / 2;
      return b.width > 0 && mid >= r.top && mid <= r.bottom;
    });
    const box = onLine[0]?.getBoundingClientRect();
    return {
      editor: true,
      line: true,
      text: norm(line.textContent),
      squiggles: onLine.length,
      squigglesInEditor: all.length,
      squiggleCenter: box ? { x: box.left + box.width / 2, y: box.top + box.height / 2 } : null,
    };
  }, needle);
}

function squigglesInEditor(page) {
  return page.evaluate(() => {
    const editor =
      document.querySelector('.part.editor .editor-group-container.active .editor-instance .monaco-editor') ||
      document.querySelector('.part.editor .monaco-editor');
    return editor ? editor.querySelectorAll('.squiggly-error').length : -1;
  });
}

/** The Problems panel's rows, grouped by file: { 'catalog.py': ['message greenlint(GL002) [Ln 30, Col 29]', ...] }. */
function problemsByFile(page) {
  return page.evaluate(() => {
    const out = {};
    let file = null;
    for (const row of document.querySelectorAll('.markers-panel .monaco-list-row')) {
      const text = row.textContent.replace(/\u00a0/g, ' ').trim();
      if (row.getAttribute('aria-level') === '1') {
        file = row.querySelector('.label-name')?.textContent.trim() ?? text;
        out[file] = out[file] ?? [];
      } else if (file) {
        out[file].push(text);
      }
    }
    return out;
  });
}

async function ensureProblemsPanel(page) {
  if (!(await page.locator('.markers-panel').isVisible().catch(() => false))) {
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel').waitFor({ state: 'visible', timeout: 5000 });
  }
}

function rowsText(page, selector) {
  return page.evaluate(
    (sel) => [...document.querySelectorAll(sel)].map((r) => r.textContent.replace(/\u00a0/g, ' ').trim()),
    selector,
  );
}

function activeTabText(page) {
  return page.evaluate(() => {
    const tab = document.querySelector('.part.editor .editor-group-container.active .tab.active');
    return tab ? { label: tab.textContent.trim(), dirty: tab.classList.contains('dirty') } : null;
  });
}

async function focusEditor(page) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+1'); // focus the first editor group
  await sleep(200);
}

async function quickOpen(page, rel) {
  const name = path.basename(rel);
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await page.keyboard.type(rel, { delay: 20 });
  await waitFor(`Quick Open to list ${rel}`, async () => {
    const rows = await rowsText(page, '.quick-input-widget .quick-input-list .monaco-list-row');
    return rows.length > 0 && rows[0].includes(name) && rows;
  });
  await page.keyboard.press('Enter');
  await waitFor(`${rel} to open in the editor`, async () => {
    const tab = await activeTabText(page);
    return tab && tab.label.includes(name) && tab;
  });
  await waitFor(`${rel}'s text to render`, async () => {
    const n = await page.locator('.part.editor .editor-group-container.active .view-lines .view-line').count();
    return n > 5;
  });
}

/** Ctrl+G `line:col` in the active editor (1-based). */
async function goTo(page, line, col) {
  await page.keyboard.press('Control+G');
  await page.locator('.quick-input-widget .quick-input-box input').waitFor({ state: 'visible', timeout: 10000 });
  await page.keyboard.type(`${line}:${col}`, { delay: 20 });
  await page.keyboard.press('Enter');
  await waitFor(`the cursor to be on line ${line}`, async () => {
    const active = await page.evaluate(() => {
      const el = document.querySelector(
        '.part.editor .editor-group-container.active .margin-view-overlays .line-numbers.active-line-number',
      );
      return el ? el.textContent.trim() : null;
    });
    return active === String(line) && active;
  });
}

async function save(page) {
  await page.keyboard.press('Control+S');
}

/** Waits for a file on disk to satisfy `check(text)`; presses Ctrl+S again if the editor still shows it dirty. */
async function waitOnDisk(page, file, what, check, ms = 15000) {
  let resaved = 0;
  return waitFor(
    what,
    async () => {
      const text = fs.readFileSync(file, 'utf8');
      if (check(text)) return text;
      const tab = await activeTabText(page);
      if (tab?.dirty && resaved < 3) {
        resaved += 1;
        await save(page);
      }
      return false;
    },
    { ms, every: 400 },
  );
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  // --- preflight -----------------------------------------------------------------------------------------------
  if (!fs.existsSync(VSIX)) fail(`no .vsix at ${VSIX}: build it with \`npm run package\` (or pass its path)`);
  if (!fs.existsSync(CODE_SERVER)) fail(`no code-server at ${CODE_SERVER}: run \`bash e2e/setup.sh\` first`);
  if (!fs.existsSync(CHROMIUM)) fail(`no Chromium at ${CHROMIUM}: run \`bash e2e/setup.sh\` first`);
  const require = createRequire(path.join(E2E_TOOLS, 'package.json'));
  let chromium;
  try {
    ({ chromium } = require('playwright-core'));
  } catch {
    fail(`playwright-core is not installed under ${E2E_TOOLS}: run \`bash e2e/setup.sh\` first`);
  }
  const py = runSync(PYTHON, ['-c', 'import greenlint, sys; print(sys.version.split()[0])']);
  if (py.code !== 0) {
    fail(`GREENLINT_PYTHON=${PYTHON} cannot import greenlint (set GREENLINT_PYTHON to a Python that has it):\n${py.out || py.error}`);
  }
  log(`vsix ${path.relative(ROOT, VSIX) || VSIX}; python ${PYTHON} (${py.out.trim()}); Chromium ${CHROMIUM}`);

  fs.rmSync(OUTPUT, { recursive: true, force: true });
  fs.mkdirSync(OUTPUT, { recursive: true });

  // --- a throwaway workspace, user data and extensions dir ---------------------------------------------------------
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'greenlint-e2e-'));
  const workspace = path.join(tmp, 'shop');
  const userData = path.join(tmp, 'user-data');
  const extensions = path.join(tmp, 'extensions');
  fs.cpSync(EXAMPLE, workspace, {
    recursive: true,
    filter: (src) => !/(^|\/)(__pycache__|\.greenlint_cache|\.mypy_cache|\.ruff_cache)$/.test(src),
  });
  const env = {
    ...process.env,
    XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
    XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
    XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'),
    EXTENSIONS_GALLERY: '{"serviceUrl":"http://127.0.0.1:9/none"}',
  };
  delete env.VSCODE_IPC_HOOK_CLI; // never talk to an enclosing VS Code

  const quickfixFile = path.join(workspace, QUICKFIX_FILE);
  const quickfixSource = fs.readFileSync(quickfixFile, 'utf8').split('\n');
  const qfIndex = quickfixSource.findIndex((l) => l.includes(QUICKFIX_LINE_TEXT));
  if (qfIndex < 0) fail(`${QUICKFIX_FILE} has no line containing \`${QUICKFIX_LINE_TEXT}\``);
  const qfLine = qfIndex + 1;
  const qfCol = quickfixSource[qfIndex].indexOf(QUICKFIX_LINE_TEXT) + 2; // inside `db`
  const fixallFile = path.join(workspace, FIXALL_FILE);
  const fixallBefore = safeFixes(cliFindings(workspace, FIXALL_FILE));
  if (fixallBefore.length < 1) fail(`${FIXALL_FILE} has no safe fixes for the fix-all step`);
  const depsFile = path.join(workspace, DEPS_FILE);
  const depsSource = fs.readFileSync(depsFile, 'utf8').split('\n');
  const depsIndex = depsSource.findIndex((l) => l.includes(DEPS_LINE_TEXT));
  if (depsIndex < 0) fail(`${DEPS_FILE} has no line containing \`${DEPS_LINE_TEXT}\``);
  const depsLine = depsIndex + 1;
  const depsCol = depsSource[depsIndex].indexOf(DEPS_LINE_TEXT) + 3; // inside `sqlalchemy`
  const depsBefore = cliFindings(workspace, DEPS_FILE).filter((f) => f.code === 'GL301');
  if (!depsBefore.some((f) => f.line === depsLine && f.fix?.applicability === 'safe')) {
    fail(`\`greenlint check ${DEPS_FILE}\` reports no GL301 with a safe fix on line ${depsLine}: ${JSON.stringify(depsBefore)}`);
  }
  const planted = UNTRUSTED ? plantWorkspaceExecutables(workspace, path.join(tmp, 'markers')) : null;

  // --- install the extension -------------------------------------------------------------------------------------
  log(`installing ${path.basename(VSIX)}`);
  const inst = runSync(
    CODE_SERVER,
    ['--config', '/dev/null', '--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', VSIX],
    { env, timeout: 90000 },
  );
  if (inst.code !== 0 || !/successfully installed/i.test(inst.out)) {
    fail(`code-server --install-extension ${VSIX} failed (exit ${inst.code}):\n${inst.out}`);
  }
  const extDir = fs
    .readdirSync(extensions, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(extensions, d.name, 'package.json')))
    .map((d) => path.join(extensions, d.name))[0];
  if (!extDir) fail(`the extension was installed, but no folder with a package.json is in ${extensions}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(extDir, 'package.json'), 'utf8'));
  log(`installed ${manifest.publisher}.${manifest.name} ${manifest.version}`);
  const fixAllCommand = (manifest.contributes?.commands ?? []).find((c) => c.command === 'greenlint.fixAll');

  // --- user settings ---------------------------------------------------------------------------------------------
  const noActionsOnSave = { 'source.fixAll': 'never', 'source.fixAll.greenlint': 'never', 'source.organizeImports': 'never' };
  const settings = {
    'greenlint.interpreter': PYTHON,
    // Default scenario: trust off (Restricted Mode would otherwise restrict the workspace). --untrusted: trust on,
    // no startup "Do you trust the authors?" dialog (the folder simply stays untrusted: Restricted Mode), no prompt
    // for files from outside the folder; the trust state lives in the browser's fresh storage, so nothing is trusted.
    ...(UNTRUSTED
      ? {
          'security.workspace.trust.enabled': true,
          'security.workspace.trust.startupPrompt': 'never',
          'security.workspace.trust.untrustedFiles': 'open',
          'security.workspace.trust.banner': 'always',
        }
      : { 'security.workspace.trust.enabled': false }),
    'editor.codeActionsOnSave': noActionsOnSave,
    '[python]': { 'editor.codeActionsOnSave': noActionsOnSave, 'editor.formatOnSave': false },
    'editor.formatOnSave': false,
    'files.autoSave': 'off',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'extensions.ignoreRecommendations': true,
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'chat.commandCenter.enabled': false,
    'window.commandCenter': false,
    'editor.minimap.enabled': false,
    'editor.stickyScroll.enabled': false,
    'workbench.colorTheme': 'Default Dark Modern',
  };
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));

  // --- code-server -----------------------------------------------------------------------------------------------
  const port = await freePort();
  const csLog = fs.openSync(path.join(OUTPUT, 'code-server.log'), 'w');
  codeServer = spawn(
    CODE_SERVER,
    [
      '--config', '/dev/null',
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      ...(UNTRUSTED ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--user-data-dir', userData,
      '--extensions-dir', extensions,
      workspace,
    ],
    { env, detached: true, stdio: ['ignore', csLog, csLog] },
  );
  let csExit = null;
  codeServer.on('exit', (code, sig) => (csExit = `exit ${code ?? sig}`));
  log(`code-server (pid ${codeServer.pid}) on 127.0.0.1:${port}`);
  const base = `http://127.0.0.1:${port}`;
  await waitFor('code-server to answer', async () => {
    if (csExit) fail(`code-server stopped (${csExit}); see e2e/output/code-server.log`);
    return httpOk(`${base}/healthz`);
  }, { ms: 30000 });

  // --- Chromium ----------------------------------------------------------------------------------------------------
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env: { ...env, HOME: path.join(tmp, 'home') }, // its Crash Reports and dconf caches stay in the temporary folder
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--headless',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  currentPage = page;

  // --- the workbench -------------------------------------------------------------------------------------------
  log('opening the workbench');
  await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}`, { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench').waitFor({ state: 'attached', timeout: 30000 });
  await waitFor('the Explorer to list the workspace', async () => {
    const rows = await rowsText(page, '.explorer-folders-view .monaco-list-row');
    return rows.some((r) => r === 'shop' || r.startsWith('shop')) && rows;
  }, { ms: 30000 });
  log('workbench loaded');
  await screenshot(page, '01-workbench.png');
  if (UNTRUSTED) {
    await untrustedSteps({ page, userData, planted, qfLine, qfCol });
    if (pageErrors.length) log(`(page errors seen, not fatal: ${pageErrors.slice(0, 3).join(' | ')})`);
    return { workspace };
  }

  // --- a. a squiggle on the GL002 line ---------------------------------------------------------------------------
  await quickOpen(page, QUICKFIX_FILE);
  await goTo(page, qfLine, qfCol);
  log(`${QUICKFIX_FILE} open, cursor on line ${qfLine}; waiting for greenlint's squiggle`);
  const sq = await waitFor(
    `an error squiggle (.squiggly-error) on line ${qfLine} of ${QUICKFIX_FILE} (\`${QUICKFIX_LINE_TEXT}\`)`,
    async () => {
      const s = await lineState(page, QUICKFIX_LINE_TEXT);
      return s.squiggles > 0 && s;
    },
    { ms: 30000 },
  );
  log(`a. squiggle on line ${qfLine} (${sq.squigglesInEditor} in the editor)`);
  // Hover it so the screenshot shows greenlint's message too (not asserted: the Problems panel is).
  if (sq.squiggleCenter) {
    await page.mouse.move(sq.squiggleCenter.x, sq.squiggleCenter.y);
    await page
      .locator('.monaco-hover:visible')
      .filter({ hasText: 'GL002' })
      .first()
      .waitFor({ state: 'visible', timeout: 5000 })
      .catch(() => log('   (no hover appeared; the screenshot shows the squiggle only)'));
    await sleep(300);
  }
  await screenshot(page, 'squiggle.png');
  await page.mouse.move(5, 450);
  await page.keyboard.press('Escape');

  // --- b. the Problems panel -----------------------------------------------------------------------------------
  await page.keyboard.press('Control+Shift+M');
  const problemRows = await waitFor(
    'the Problems panel to list a greenlint GL002 diagnostic with its code',
    async () => {
      const rows = await rowsText(page, '.markers-panel .monaco-list-row');
      return rows.some((r) => /greenlint/i.test(r) && /GL002/.test(r)) && rows;
    },
    { ms: 15000 },
  );
  const glRows = problemRows.filter((r) => /GL002/.test(r));
  log(`b. Problems panel: ${glRows.length} GL002 row(s), e.g. ${JSON.stringify(glRows[0])}`);
  if (!glRows.some((r) => r.includes(`Ln ${qfLine}`))) {
    fail(`the Problems panel lists GL002 but not on line ${qfLine}: ${JSON.stringify(glRows)}`);
  }
  await screenshot(page, 'problems.png');

  // --- c. Ctrl+. shows greenlint's quick fix ------------------------------------------------------------------------
  await focusEditor(page);
  await goTo(page, qfLine, qfCol);
  await page.keyboard.press('Control+.');
  const actionRows = await waitFor(
    `the quick-fix menu (Ctrl+.) to offer "${QUICKFIX_TITLE}"`,
    async () => {
      const rows = await rowsText(page, '.action-widget .monaco-list-row');
      return rows.some((r) => r.includes(QUICKFIX_TITLE)) && rows;
    },
    { ms: 10000 },
  );
  log(`c. quick-fix menu: ${JSON.stringify(actionRows)}`);
  await sleep(300);
  await screenshot(page, 'quickfix.png');

  // --- d. choose it with the keyboard, save: `await` on disk, the squiggle gone ----------------------------------
  const focusedRow = () =>
    page.evaluate(() => {
      const r = document.querySelector('.action-widget .monaco-list-row.focused');
      return r ? r.textContent.replace(/\u00a0/g, ' ').trim() : null;
    });
  let picked = false;
  for (let i = 0; i < actionRows.length + 2; i++) {
    const f = await focusedRow();
    if (f && f.includes(QUICKFIX_TITLE)) {
      picked = true;
      break;
    }
    await page.keyboard.press('ArrowDown');
    await sleep(100);
  }
  if (!picked) fail(`could not move the quick-fix menu's focus to "${QUICKFIX_TITLE}" with the arrow keys`);
  await page.keyboard.press('Enter');
  await waitFor('the quick-fix menu to close', async () => (await page.locator('.action-widget .monaco-list-row').count()) === 0, { ms: 5000 });
  await waitFor(`line ${qfLine} to read \`await db.commit()\` in the editor`, async () => {
    const s = await lineState(page, QUICKFIX_LINE_TEXT);
    return s.line && s.text.includes(`await ${QUICKFIX_LINE_TEXT}`) && s;
  }, { ms: 10000 });
  await save(page);
  await waitOnDisk(page, quickfixFile, `\`await ${QUICKFIX_LINE_TEXT}\` in ${QUICKFIX_FILE} on disk after Ctrl+S`, (text) =>
    text.split('\n')[qfIndex]?.includes(`await ${QUICKFIX_LINE_TEXT}`),
  );
  const other = fs.readFileSync(quickfixFile, 'utf8').split('\n');
  const changed = other.map((l, i) => (l !== quickfixSource[i] ? i + 1 : 0)).filter(Boolean);
  if (other.length !== quickfixSource.length || changed.length !== 1) {
    fail(`the quick fix changed more than line ${qfLine} of ${QUICKFIX_FILE}: lines ${changed.join(', ')}`);
  }
  await waitFor(`the squiggle on line ${qfLine} to disappear`, async () => {
    const s = await lineState(page, QUICKFIX_LINE_TEXT);
    return s.line && s.squiggles === 0 && s;
  }, { ms: 15000 });
  log(`d. "${QUICKFIX_TITLE}" applied with the keyboard and saved: \`await db.commit()\` on disk, squiggle gone`);
  await sleep(300);
  await screenshot(page, 'fixed.png');

  // --- e. fix all in another file ---------------------------------------------------------------------------------
  await focusEditor(page);
  await quickOpen(page, FIXALL_FILE);
  const fixallName = path.basename(FIXALL_FILE);
  await ensureProblemsPanel(page);
  await focusEditor(page);
  await goTo(page, fixallBefore[0].line, 1); // shows the first finding's squiggle in the screenshots
  const beforeRows = await waitFor(`the Problems panel to list ${fixallBefore.length} GL002 finding(s) in ${fixallName}`, async () => {
    const rows = (await problemsByFile(page))[fixallName] ?? [];
    return rows.filter((r) => /GL002/.test(r)).length >= fixallBefore.length && rows;
  }, { ms: 20000 });
  log(`e. ${fixallName}: ${beforeRows.length} problem(s) before fix-all`);
  await screenshot(page, 'fixall-before.png');
  if (fixAllCommand && process.env.GREENLINT_E2E_FIXALL !== 'source') {
    const label = fixAllCommand.category ? `${fixAllCommand.category}: ${fixAllCommand.title}` : fixAllCommand.title;
    log(`e. running "${label}" (greenlint.fixAll) from the command palette`);
    await runFromPalette(page, label);
  } else {
    log(`e. ${fixAllCommand ? 'GREENLINT_E2E_FIXALL=source' : 'the extension contributes no greenlint.fixAll'}: running source.fixAll.greenlint from the Source Action menu`);
    await runFromPalette(page, 'Source Action...');
    const rows = await waitFor('the Source Action menu to offer greenlint\'s fix-all', async () => {
      const r = await rowsText(page, '.action-widget .monaco-list-row');
      return r.some((t) => /greenlint/i.test(t) && /fix\s*all/i.test(t)) && r;
    }, { ms: 10000 });
    let ok = false;
    for (let i = 0; i < rows.length + 2; i++) {
      const f = await focusedRow();
      if (f && /greenlint/i.test(f) && /fix\s*all/i.test(f)) {
        ok = true;
        break;
      }
      await page.keyboard.press('ArrowDown');
      await sleep(100);
    }
    if (!ok) fail(`could not focus greenlint's fix-all in the Source Action menu: ${JSON.stringify(rows)}`);
    await page.keyboard.press('Enter');
  }
  await waitFor(`the Problems panel to list no GL002 finding in ${fixallName} after fix-all`, async () => {
    const rows = (await problemsByFile(page))[fixallName] ?? [];
    return !rows.some((r) => /GL002/.test(r)) && 'none';
  }, { ms: 15000 });
  await focusEditor(page);
  await save(page);
  await waitOnDisk(page, fixallFile, `${FIXALL_FILE} on disk to have no safe fixes left after fix-all and Ctrl+S`, () =>
    safeFixes(cliFindings(workspace, FIXALL_FILE)).length === 0,
  );
  const after = cliFindings(workspace, FIXALL_FILE);
  log(`e. fix-all: ${FIXALL_FILE} had ${fixallBefore.length} safe fix(es), now ${safeFixes(after).length} (${after.length} finding(s) left)`);
  await sleep(300);
  await screenshot(page, 'fixall.png');

  // --- f. the dependency manifest: GL301's squiggle and quick fix in pyproject.toml ------------------------------
  await focusEditor(page);
  await quickOpen(page, DEPS_FILE);
  await goTo(page, depsLine, depsCol);
  log(`${DEPS_FILE} open, cursor on line ${depsLine}; waiting for greenlint's GL301 squiggle`);
  await waitFor(
    `an error squiggle on line ${depsLine} of ${DEPS_FILE} (\`${DEPS_LINE_TEXT}\`)`,
    async () => {
      const s = await lineState(page, DEPS_LINE_TEXT);
      return s.squiggles > 0 && s;
    },
    { ms: 30000 },
  );
  await screenshot(page, 'manifest.png');
  await page.keyboard.press('Control+.');
  const depsRows = await waitFor(
    `the quick-fix menu (Ctrl+.) to offer "${DEPS_FIX_TITLE}"`,
    async () => {
      const rows = await rowsText(page, '.action-widget .monaco-list-row');
      return rows.some((r) => r.includes(DEPS_FIX_TITLE)) && rows;
    },
    { ms: 10000 },
  );
  log(`f. quick-fix menu in ${DEPS_FILE}: ${JSON.stringify(depsRows)}`);
  await sleep(300);
  await screenshot(page, 'manifest-quickfix.png');
  let depsPicked = false;
  for (let i = 0; i < depsRows.length + 2; i++) {
    const f = await focusedRow();
    if (f && f.includes(DEPS_FIX_TITLE)) {
      depsPicked = true;
      break;
    }
    await page.keyboard.press('ArrowDown');
    await sleep(100);
  }
  if (!depsPicked) fail(`could not move the quick-fix menu's focus to "${DEPS_FIX_TITLE}" with the arrow keys`);
  await page.keyboard.press('Enter');
  await waitFor('the quick-fix menu to close', async () => (await page.locator('.action-widget .monaco-list-row').count()) === 0, { ms: 5000 });
  await waitFor(`line ${depsLine} to read \`${DEPS_FIXED_TEXT}\` in the editor`, async () => {
    const s = await lineState(page, DEPS_FIXED_TEXT);
    return s.line && s;
  }, { ms: 10000 });
  await save(page);
  await waitOnDisk(page, depsFile, `\`${DEPS_FIXED_TEXT}\` in ${DEPS_FILE} on disk after Ctrl+S`, (text) =>
    text.split('\n')[depsIndex]?.includes(DEPS_FIXED_TEXT),
  );
  const depsAfter = fs.readFileSync(depsFile, 'utf8').split('\n');
  const depsChanged = depsAfter.map((l, i) => (l !== depsSource[i] ? i + 1 : 0)).filter(Boolean);
  if (depsAfter.length !== depsSource.length || depsChanged.length !== 1) {
    fail(`the GL301 fix changed more than line ${depsLine} of ${DEPS_FILE}: lines ${depsChanged.join(', ')}`);
  }
  await waitFor(`the GL301 squiggle on line ${depsLine} to disappear`, async () => {
    const s = await lineState(page, DEPS_FIXED_TEXT);
    return s.line && s.squiggles === 0 && s;
  }, { ms: 15000 });
  const depsLeft = cliFindings(workspace, DEPS_FILE).filter((f) => f.code === 'GL301');
  if (depsLeft.length) fail(`\`greenlint check ${DEPS_FILE}\` still reports GL301 after the fix: ${JSON.stringify(depsLeft)}`);
  log(`f. "${DEPS_FIX_TITLE}" applied with the keyboard and saved: \`${DEPS_FIXED_TEXT}\` on disk, squiggle gone, no GL301 left`);
  await sleep(300);
  await screenshot(page, 'manifest-fixed.png');

  if (pageErrors.length) log(`(page errors seen, not fatal: ${pageErrors.slice(0, 3).join(' | ')})`);
  return { workspace };
}

// ---------------------------------------------------------------------------------------------------------------
// --untrusted: a workspace that names its own executables, opened in Restricted Mode.

/**
 * Writes `.vscode/settings.json` into the workspace naming two executable scripts of the workspace as
 * `greenlint.path` and `greenlint.interpreter`. Each script appends its command line to a marker file outside the
 * workspace and exits 1. Runs each once to prove the marker mechanism works, then removes the markers.
 */
function plantWorkspaceExecutables(workspace, markerDir) {
  fs.mkdirSync(markerDir, { recursive: true });
  const bin = path.join(workspace, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const scripts = {
    'greenlint.path': { file: path.join(bin, 'greenlint'), marker: path.join(markerDir, 'greenlint.path.ran') },
    'greenlint.interpreter': { file: path.join(bin, 'python'), marker: path.join(markerDir, 'greenlint.interpreter.ran') },
  };
  for (const [setting, { file, marker }] of Object.entries(scripts)) {
    fs.writeFileSync(
      file,
      `#!/bin/sh\n# e2e/run.mjs --untrusted: the workspace's ${setting}; VS Code must not run it while the workspace is untrusted.\n` +
        `echo "$(date +%T) $0 $*" >> '${marker}'\nexit 1\n`,
      { mode: 0o755 },
    );
    runSync(file, ['--self-test']);
    if (!fs.existsSync(marker)) fail(`the planted ${setting} script ${file} did not write its marker ${marker} when run directly`);
    fs.rmSync(marker);
  }
  const settingsFile = path.join(workspace, '.vscode', 'settings.json');
  fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
  fs.writeFileSync(
    settingsFile,
    [
      '{',
      "  // e2e/run.mjs --untrusted: executables of the workspace itself, which must not run until it is trusted",
      '  "greenlint.path": ["${workspaceFolder}/bin/greenlint"],',
      '  "greenlint.interpreter": "bin/python",',
      '}',
      '',
    ].join('\n'),
  );
  return { scripts, settingsFile };
}

/** The markers the planted scripts wrote (their contents), {} when none ran. */
function markersWritten(planted) {
  const out = {};
  for (const [setting, { marker }] of Object.entries(planted.scripts)) {
    if (fs.existsSync(marker)) out[setting] = fs.readFileSync(marker, 'utf8').trim();
  }
  return out;
}

function assertNoMarker(planted, when) {
  const ran = markersWritten(planted);
  if (Object.keys(ran).length) {
    fail(`${when}: the workspace's ${Object.keys(ran).join(' and ')} ran in an untrusted workspace: ${JSON.stringify(ran)}`);
  }
  log(`   no marker: neither the workspace's greenlint.path nor its greenlint.interpreter ran (${when})`);
}

/** greenlint's output channel as VS Code logs it (user-data/logs/<session>/exthost<n>/greenlint.greenlint/greenlint.log). */
function greenlintLog(userData) {
  const logs = path.join(userData, 'logs');
  if (!fs.existsSync(logs)) return '';
  return fs
    .readdirSync(logs, { recursive: true })
    .map(String)
    .filter((f) => /greenlint[^/]*\.log$/i.test(f))
    .sort()
    .map((f) => fs.readFileSync(path.join(logs, f), 'utf8'))
    .join('');
}

/** The status bar's Restricted Mode entry and the Restricted Mode banner, as the user sees them. */
function restrictedModeIndicators(page) {
  return page.evaluate(() => {
    const norm = (s) => (s ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
    const visible = (el) => !!el && el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().height > 0;
    const item = document.getElementById('status.workspaceTrust');
    const banner = document.querySelector('.part.banner');
    return {
      statusBar: visible(item) ? norm(item.textContent) || norm(item.getAttribute('aria-label')) : null,
      banner: visible(banner) ? norm(banner.textContent) : null,
    };
  });
}

async function untrustedSteps({ page, userData, planted, qfLine, qfCol }) {
  // --- u1. the workspace really is untrusted: Restricted Mode in the status bar (and its banner) --------------------
  const restricted = await waitFor(
    'the Restricted Mode indicator in the status bar (#status.workspaceTrust)',
    async () => {
      const r = await restrictedModeIndicators(page);
      return r.statusBar && /restricted mode/i.test(r.statusBar) && r;
    },
    { ms: 15000 },
  );
  log(`u1. Restricted Mode: status bar "${restricted.statusBar}"${restricted.banner ? `, banner "${restricted.banner.slice(0, 90)}..."` : ''}`);
  await screenshot(page, 'restricted-mode.png');

  // --- u2. the server starts, from the user-level interpreter; the workspace's values are logged as ignored --------
  const outcome = await waitFor(
    "greenlint's output channel to log the server running",
    async () => {
      const text = greenlintLog(userData);
      const failed = Object.keys(markersWritten(planted)).length > 0 || /The server did not start|is not importable/.test(text);
      return (failed || /Server running/.test(text)) && { text, failed };
    },
    { ms: 30000 },
  );
  if (outcome.failed) {
    assertNoMarker(planted, 'while the server started');
    fail(`greenlint did not start its server:\n${outcome.text}`);
  }
  const started = outcome.text;
  const serverLine = started.split('\n').find((l) => /\] Server: /.test(l)) ?? '';
  if (!serverLine.includes(`${PYTHON} -m greenlint server (from greenlint.interpreter)`)) {
    fail(`the server was not started with the user-level greenlint.interpreter ${PYTHON}: ${serverLine || started}`);
  }
  log(`u2. ${serverLine.replace(/^.*?\] /, '')}`);
  assertNoMarker(planted, 'after the server started');

  // --- u3. a greenlint squiggle and Problems entry, from the user-level interpreter's server -----------------------
  await quickOpen(page, QUICKFIX_FILE);
  await goTo(page, qfLine, qfCol);
  const sq = await waitFor(
    `an error squiggle (.squiggly-error) on line ${qfLine} of ${QUICKFIX_FILE} (\`${QUICKFIX_LINE_TEXT}\`)`,
    async () => {
      const s = await lineState(page, QUICKFIX_LINE_TEXT);
      return s.squiggles > 0 && s;
    },
    { ms: 30000 },
  );
  log(`u3. squiggle on line ${qfLine} of ${QUICKFIX_FILE} in Restricted Mode`);
  if (sq.squiggleCenter) {
    await page.mouse.move(sq.squiggleCenter.x, sq.squiggleCenter.y);
    await page
      .locator('.monaco-hover:visible')
      .filter({ hasText: 'GL002' })
      .first()
      .waitFor({ state: 'visible', timeout: 5000 })
      .catch(() => log('   (no hover appeared; the screenshot shows the squiggle only)'));
    await sleep(300);
  }
  await screenshot(page, 'untrusted-squiggle.png');
  await page.mouse.move(5, 450);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Shift+M');
  const rows = await waitFor(
    'the Problems panel to list a greenlint GL002 diagnostic',
    async () => {
      const r = await rowsText(page, '.markers-panel .monaco-list-row');
      return r.some((t) => /greenlint/i.test(t) && /GL002/.test(t) && t.includes(`Ln ${qfLine}`)) && r;
    },
    { ms: 15000 },
  );
  log(`u3. Problems panel: ${JSON.stringify(rows.find((t) => /GL002/.test(t) && t.includes(`Ln ${qfLine}`)))}`);
  await screenshot(page, 'untrusted-problems.png');
  assertNoMarker(planted, `after opening ${QUICKFIX_FILE}`);

  // --- u4. the output channel says the workspace's values were ignored; still no marker after a wait -------------
  // (VS Code leaves the workspace's values of the restricted settings out of the configuration in Restricted Mode;
  // the extension reads the workspace's settings files to say so.)
  const ignoredLog = await waitFor(
    "greenlint's output channel to say it ignored the workspace's greenlint.path and greenlint.interpreter",
    async () => {
      const lines = greenlintLog(userData)
        .split('\n')
        .filter((l) => /not trusted/i.test(l));
      const ignored = (k) => lines.some((l) => l.includes(`${k} is set in the workspace settings but the workspace is not trusted`));
      return ['greenlint.path', 'greenlint.interpreter'].every(ignored) && lines;
    },
    { ms: 5000 },
  );
  for (const l of ignoredLog) log(`u4. log: ${l.replace(/^\S+ \S+ /, '')}`);
  await sleep(3000);
  assertNoMarker(planted, 'after 3 s more');

  // --- u5. control: once the user trusts the workspace, its greenlint.path and greenlint.interpreter do run --------
  // Proves that the planted settings are live and that only the workspace's trust kept them from running.
  await focusEditor(page);
  await runFromPalette(page, 'Workspaces: Manage Workspace Trust');
  const trustButton = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first();
  await trustButton.waitFor({ state: 'visible', timeout: 10000 });
  await screenshot(page, 'trust-editor.png');
  await trustButton.click();
  await waitFor('the Restricted Mode indicator to go away', async () => {
    const r = await restrictedModeIndicators(page);
    return !(r.statusBar && /restricted mode/i.test(r.statusBar)) && 'gone';
  }, { ms: 10000 });
  const ran = await waitFor("the workspace's greenlint.path to run once the workspace is trusted", async () => {
    const m = markersWritten(planted);
    return m['greenlint.path'] && m;
  }, { ms: 20000 });
  log(`u5. trusted: the workspace's greenlint.path ran (${ran['greenlint.path'].split('\n')[0]})`);
  await sleep(500);
  await screenshot(page, 'trusted.png');
  // greenlint.path wins over greenlint.interpreter: without its executable, a restart runs the interpreter.
  fs.rmSync(planted.scripts['greenlint.path'].file);
  await runFromPalette(page, 'greenlint: Restart Server');
  const ranInterpreter = await waitFor(
    "the workspace's greenlint.interpreter to run after its greenlint.path is removed and the server restarted",
    async () => {
      const m = markersWritten(planted);
      return m['greenlint.interpreter'] && m;
    },
    { ms: 20000 },
  );
  log(`u5. trusted: the workspace's greenlint.interpreter ran (${ranInterpreter['greenlint.interpreter'].split('\n')[0]})`);
}

async function runFromPalette(page, label) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await page.keyboard.type(label, { delay: 15 });
  await waitFor(`the command palette to offer "${label}"`, async () => {
    const rows = await page.evaluate(() =>
      [...document.querySelectorAll('.quick-input-widget .quick-input-list .monaco-list-row')].map((r) => ({
        text: r.textContent.replace(/\u00a0/g, ' ').trim(),
        focused: r.classList.contains('focused'),
      })),
    );
    const first = rows[0];
    return first && first.text.toLowerCase().includes(label.toLowerCase()) && rows;
  }, { ms: 10000 });
  await page.keyboard.press('Enter');
}

// ---------------------------------------------------------------------------------------------------------------

const overall = setTimeout(async () => {
  console.error(`\ne2e: FAILED: overall timeout of ${TIMEOUT_S} s reached`);
  await saveFailureEvidence();
  await cleanup({ keepTmp: false });
  process.exit(1);
}, TIMEOUT_S * 1000);

async function saveFailureEvidence() {
  const page = currentPage;
  if (page) {
    await Promise.race([page.screenshot({ path: path.join(OUTPUT, 'failure.png') }).catch(() => {}), sleep(5000)]);
    console.error(`e2e: screenshot of the failure: ${path.relative(ROOT, path.join(OUTPUT, 'failure.png'))}`);
  }
  if (page) {
    const toasts = await Promise.race([
      page
        .evaluate(() =>
          [...document.querySelectorAll('.notifications-toasts .notification-list-item')].map((n) =>
            (n.querySelector('.notification-list-item-message')?.textContent ?? n.textContent).replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim(),
          ),
        )
        .catch(() => []),
      sleep(3000).then(() => []),
    ]);
    for (const t of toasts) console.error(`e2e: notification shown: ${t}`);
  }
  const logs = tmp && path.join(tmp, 'user-data', 'logs');
  if (logs && fs.existsSync(logs)) {
    fs.cpSync(logs, path.join(OUTPUT, 'logs'), { recursive: true });
    console.error(`e2e: VS Code's logs (extension host, greenlint's output channel): ${path.relative(ROOT, path.join(OUTPUT, 'logs'))}`);
    const channel = fs
      .readdirSync(logs, { recursive: true })
      .map(String)
      .filter((f) => /greenlint[^/]*\.log$/i.test(f))
      .map((f) => path.join(logs, f));
    for (const f of channel) {
      const lines = fs.readFileSync(f, 'utf8').trimEnd().split('\n');
      console.error(`e2e: last lines of ${path.relative(logs, f)}:\n  ${lines.slice(-15).join('\n  ')}`);
    }
  }
}

try {
  await main();
  clearTimeout(overall);
  const keep = process.env.GREENLINT_E2E_KEEP === '1';
  if (!UNTRUSTED && !process.env.GREENLINT_E2E_NO_MEDIA) {
    fs.mkdirSync(MEDIA, { recursive: true });
    for (const f of ['squiggle.png', 'quickfix.png']) fs.copyFileSync(path.join(OUTPUT, f), path.join(MEDIA, f));
    log(`copied squiggle.png and quickfix.png to ${path.relative(ROOT, MEDIA)}/`);
  }
  await cleanup({ keepTmp: keep });
  if (keep) log(`kept ${tmp}`);
  if (UNTRUSTED) {
    console.log(`e2e: PASSED in ${elapsed()} (untrusted workspace): Restricted Mode, the workspace's greenlint.path / greenlint.interpreter never ran, squiggle and Problems entry from the user-level interpreter, both run once the workspace is trusted (screenshots in e2e/output/untrusted/)`);
  } else {
    console.log(`e2e: PASSED in ${elapsed()}: squiggle, Problems panel, Ctrl+. quick fix, apply + save, fix-all, GL301 in pyproject.toml (screenshots in e2e/output/)`);
  }
  process.exit(0);
} catch (e) {
  clearTimeout(overall);
  console.error(`\ne2e: FAILED after ${elapsed()}: ${e instanceof Failure ? e.message : e.stack || e}`);
  await saveFailureEvidence();
  await cleanup({ keepTmp: false });
  process.exit(1);
}
