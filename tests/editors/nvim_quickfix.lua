-- Drive Neovim 0.7+ (headless) through greenlint's GL002 quick fix, the way `vim.lsp.buf.code_action()` does.
--
--   GREENLINT_PYTHON=/path/to/python GREENLINT_FILE=/tmp/x/orders.py \
--     nvim --headless --clean -n -i NONE -c "luafile tests/editors/nvim_quickfix.lua"
--
-- Starts `<python> -m greenlint server`, opens the file, waits for greenlint's diagnostics, requests the code
-- actions for the GL002 diagnostic, applies "greenlint (GL002): Add await" (after codeAction/resolve when it
-- comes without an edit), writes the file, waits for the diagnostics published for the edited version and
-- checks GL002 is gone from that line. Prints one line of JSON; exits 0 on success, 1 on any failure.
--
-- Optional:
--   GREENLINT_LINE        1-based line of the GL002 finding (default: the line marked `# expect: GL002`)
--   GREENLINT_TIMEOUT_MS  the budget of the whole run (default 20000)
--   GREENLINT_SEVERITY    error|warning|information|hint: sent as the initializationOptions
--                         {greenlint = {severity = {GL002 = ...}}}; the diagnostic must come with it
--   GREENLINT_CONFIG      a user config (init.lua) to run instead of starting the server here: it must attach
--                         a client named "greenlint" to Python buffers (GREENLINT_PYTHON is then not used)

local TITLE = 'greenlint (GL002): Add await'
local started = vim.loop.hrtime()
local summary = { editor = 'neovim', nvim = tostring(vim.version().major) .. '.' .. vim.version().minor
  .. '.' .. vim.version().patch, ok = false }

local function elapsed_ms()
  return math.floor((vim.loop.hrtime() - started) / 1e6)
end

local budget_ms = tonumber(os.getenv('GREENLINT_TIMEOUT_MS') or '') or 20000

local function remaining_ms()
  return math.max(budget_ms - elapsed_ms(), 1)
end

local function fail(step, message)
  error({ step = step, message = message }, 0)
end

-- Waits (processing events) until cond() is true, or fails the step when the budget runs out.
local function wait_for(step, cond)
  if not vim.wait(remaining_ms(), cond, 20) then
    fail(step, 'timed out after ' .. elapsed_ms() .. ' ms')
  end
end

local SEVERITIES = { error = 1, warning = 2, information = 3, hint = 4 } -- LSP and vim.diagnostic numbers

local function gl002_on(bufnr, client_id, lnum, severity)
  local found = {}
  local namespace = vim.lsp.diagnostic.get_namespace(client_id)
  for _, d in ipairs(vim.diagnostic.get(bufnr, { namespace = namespace, lnum = lnum })) do
    if d.source == 'greenlint' and d.code == 'GL002' and (severity == nil or d.severity == severity) then
      table.insert(found, d)
    end
  end
  return found
end

local function run()
  local python = os.getenv('GREENLINT_PYTHON')
  local path = os.getenv('GREENLINT_FILE')
  local config = os.getenv('GREENLINT_CONFIG')
  if config == '' then
    config = nil
  end
  if not path or path == '' or (not config and (not python or python == '')) then
    fail('setup', 'set GREENLINT_PYTHON (or GREENLINT_CONFIG) and GREENLINT_FILE')
  end
  local severity_name = os.getenv('GREENLINT_SEVERITY')
  local severity = nil
  if severity_name and severity_name ~= '' then
    severity = SEVERITIES[severity_name]
    if not severity then
      fail('setup', 'GREENLINT_SEVERITY must be error, warning, information or hint')
    end
    summary.severity = severity_name
  end
  path = vim.fn.fnamemodify(path, ':p')
  summary.file = path
  local line = tonumber(os.getenv('GREENLINT_LINE') or '')
  if not line then
    for number, text in ipairs(vim.fn.readfile(path)) do
      if text:match('#%s*expect:%s*GL002') then
        line = number
        break
      end
    end
  end
  if not line then
    fail('setup', 'no GREENLINT_LINE and no `# expect: GL002` line in ' .. path)
  end
  summary.line = line
  local lnum = line - 1 -- 0-based, as in LSP and vim.diagnostic

  -- Every publishDiagnostics for the file: its version and codes, then the default handler.
  local published = {}
  local handlers = {
    ['textDocument/publishDiagnostics'] = function(err, result, ctx, handler_config)
      if result and vim.uri_to_fname(result.uri) == path then
        table.insert(published, { version = result.version, count = #result.diagnostics })
      end
      return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, handler_config)
    end,
  }
  local client_id
  if config then
    -- The user's configuration starts and attaches the client (on FileType python).
    summary.config = config
    vim.lsp.handlers['textDocument/publishDiagnostics'] = handlers['textDocument/publishDiagnostics']
    dofile(config)
    vim.cmd('edit ' .. vim.fn.fnameescape(path))
    wait_for('attach', function()
      for _, candidate in pairs(vim.lsp.buf_get_clients(0)) do
        if candidate.name == 'greenlint' then
          client_id = candidate.id
          return true
        end
      end
      return false
    end)
  else
    client_id = vim.lsp.start_client({
      name = 'greenlint',
      cmd = { python, '-m', 'greenlint', 'server' },
      root_dir = vim.fn.fnamemodify(path, ':h'),
      handlers = handlers,
      init_options = severity and { greenlint = { severity = { GL002 = severity_name } } } or nil,
    })
    if not client_id then
      fail('start', 'vim.lsp.start_client failed')
    end
    vim.cmd('edit ' .. vim.fn.fnameescape(path))
    vim.lsp.buf_attach_client(vim.api.nvim_get_current_buf(), client_id)
  end
  local bufnr = vim.api.nvim_get_current_buf()
  wait_for('initialize', function()
    local client = vim.lsp.get_client_by_id(client_id)
    return client ~= nil and client.initialized
  end)
  local client = vim.lsp.get_client_by_id(client_id)
  summary.offset_encoding = client.offset_encoding
  summary.server_command = client.config.cmd[1]

  -- 1. The GL002 diagnostic on the expected line.
  wait_for('diagnostics', function()
    return #gl002_on(bufnr, client_id, lnum, severity) > 0
  end)
  summary.diagnostics_ms = elapsed_ms()
  local before = gl002_on(bufnr, client_id, lnum, severity)[1]
  summary.diagnostic = { line = before.lnum + 1, col = before.col + 1, severity = before.severity,
    message = before.message }

  -- 2. Code actions for its range, with the line's diagnostics as context (what vim.lsp.buf.code_action sends).
  local diagnostic = vim.lsp.diagnostic.get_line_diagnostics(bufnr, lnum, {}, client_id)
  local gl002 = {}
  for _, d in ipairs(diagnostic) do
    if d.code == 'GL002' then
      table.insert(gl002, d)
    end
  end
  local params = {
    textDocument = vim.lsp.util.make_text_document_params(bufnr),
    range = gl002[1].range,
    context = { diagnostics = diagnostic },
  }
  local response, request_err = client.request_sync('textDocument/codeAction', params, remaining_ms(), bufnr)
  if not response then
    fail('codeAction', 'no response: ' .. tostring(request_err))
  end
  if response.err then
    fail('codeAction', vim.inspect(response.err))
  end
  local titles, action = {}, nil
  for _, candidate in ipairs(response.result or {}) do
    table.insert(titles, candidate.title)
    if candidate.title == TITLE then
      action = candidate
    end
  end
  summary.actions = titles
  if not action then
    fail('codeAction', 'no action titled ' .. TITLE)
  end

  -- 3. Resolve it when the edit is deferred (Neovim 0.7 declares resolveSupport for `edit`), then apply it.
  summary.resolved = false
  if not action.edit then
    local resolved, resolve_err = client.request_sync('codeAction/resolve', action, remaining_ms(), bufnr)
    if not resolved or resolved.err or not resolved.result then
      fail('resolve', vim.inspect(resolved and resolved.err or resolve_err))
    end
    action = resolved.result
    summary.resolved = true
  end
  if not action.edit then
    fail('resolve', 'the action has no edit after codeAction/resolve')
  end
  vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  summary.edited_line = vim.api.nvim_buf_get_lines(bufnr, lnum, lnum + 1, true)[1]
  vim.cmd('write')

  -- 4. Diagnostics re-published for the edited version: no GL002 on that line any more.
  local version = vim.lsp.util.buf_versions[bufnr]
  summary.document_version = version
  wait_for('republish', function()
    local last = published[#published]
    return last ~= nil and last.version == version
  end)
  summary.republished_ms = elapsed_ms()
  local after = gl002_on(bufnr, client_id, lnum)
  if #after > 0 then
    fail('republish', 'GL002 is still reported on line ' .. line .. ': ' .. after[1].message)
  end
  summary.publishes = #published
  summary.ok = true
end

local ok, err = pcall(run)
if not ok then
  summary.step = type(err) == 'table' and err.step or 'error'
  summary.error = type(err) == 'table' and err.message or tostring(err)
end
summary.elapsed_ms = elapsed_ms()
io.stdout:write(vim.fn.json_encode(summary) .. '\n')
io.stdout:flush()
for _, client in pairs(vim.lsp.get_active_clients()) do
  client.stop()
end
if summary.ok then
  vim.cmd('qall!')
else
  vim.cmd('cquit 1')
end
