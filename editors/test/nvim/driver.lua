-- Neovim headless test driver (editors/test.sh): with notegraph attached to the fixture vault's
-- "Start here.md", it waits for diagnostics, asks for completion after `[[` and after a name with
-- a space and applies an item, jumps to a definition, opens a hover, opens the daily note with
-- :NotegraphDaily, completes a frontmatter key and value and hovers the key, and writes what it saw as
-- JSON to $NOTEGRAPH_NVIM_RESULT. check.py judges that file; this script only observes.
-- Works on Neovim 0.7 to 0.11+.
local out_path = assert(os.getenv('NOTEGRAPH_NVIM_RESULT'), 'NOTEGRAPH_NVIM_RESULT is unset')
local result = { nvim = tostring(vim.version().major .. '.' .. vim.version().minor .. '.' .. vim.version().patch) }
local progress = {}

local function get_clients(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr })
  end
  return vim.lsp.buf_get_clients(bufnr)
end

-- Record $/progress notifications, then hand them to Neovim's own handler.
local orig_progress = vim.lsp.handlers['$/progress']
vim.lsp.handlers['$/progress'] = function(err, res, ctx, config)
  if res and res.value then
    table.insert(progress, { kind = res.value.kind, title = res.value.title, message = res.value.message })
  end
  if orig_progress then
    return orig_progress(err, res, ctx, config)
  end
end

local function find_line(bufnr, needle)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local col = line:find(needle, 1, true)
    if col then
      return i, col -- 1-based line, 1-based byte column
    end
  end
  error('fixture has no line with ' .. needle)
end

local function run()
  local buf = vim.api.nvim_get_current_buf()
  result.file = vim.api.nvim_buf_get_name(buf)
  result.filetype = vim.bo[buf].filetype

  -- 1. The client attaches.
  local client
  vim.wait(10000, function()
    for _, c in pairs(get_clients(buf)) do
      if c.name == 'notegraph' and c.initialized ~= false then
        client = c
        return true
      end
    end
    return false
  end, 50)
  if not client then
    result.error = 'no notegraph client attached to ' .. result.file
    return
  end
  vim.wait(5000, function()
    return client.server_capabilities ~= nil or client.resolved_capabilities ~= nil
  end, 50)
  result.client = { name = client.name, root_dir = client.config.root_dir, offset_encoding = client.offset_encoding }
  local uri = vim.uri_from_bufnr(buf)

  -- 2. Diagnostics are pushed on open.
  vim.wait(10000, function()
    return #vim.diagnostic.get(buf) > 0
  end, 50)
  result.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(result.diagnostics, { lnum = d.lnum, col = d.col, severity = d.severity, message = d.message })
  end

  -- 3. Completion after typing `[[` on the last line, as a user would.
  local lnum = find_line(buf, 'Type a link here:')
  local line = vim.api.nvim_buf_get_lines(buf, lnum - 1, lnum, false)[1] .. '[['
  vim.api.nvim_buf_set_lines(buf, lnum - 1, lnum, false, { line })
  local params = { textDocument = { uri = uri }, position = { line = lnum - 1, character = #line } }
  local labels, items = {}, {}
  -- Indexing runs in the background after start: ask until the whole vault is offered (or time is up).
  vim.wait(10000, function()
    local responses = vim.lsp.buf_request_sync(buf, 'textDocument/completion', params, 2000) or {}
    labels, items = {}, {}
    for _, r in pairs(responses) do
      local list = r.result and (r.result.items or r.result) or {}
      for _, item in ipairs(list) do
        table.insert(labels, item.label)
        items[item.label] = item
      end
    end
    return items['Reading list'] ~= nil and items['Spaced repetition'] ~= nil
  end, 200)
  result.completion = { labels = labels }

  -- 3b. Go on typing a name with a space in it, then accept the item: the item's textEdit must
  -- replace the whole typed target, space included, and close the link.
  line = line .. 'Spaced rep'
  vim.api.nvim_buf_set_lines(buf, lnum - 1, lnum, false, { line })
  params.position.character = #line
  local chosen
  for _, r in pairs(vim.lsp.buf_request_sync(buf, 'textDocument/completion', params, 2000) or {}) do
    for _, item in ipairs(r.result and (r.result.items or r.result) or {}) do
      chosen = chosen or (item.label == 'Spaced repetition' and item) or nil
    end
  end
  result.completion.typed_line = line
  if chosen and chosen.textEdit then
    vim.lsp.util.apply_text_edits({ chosen.textEdit }, buf, client.offset_encoding or 'utf-16')
    result.completion.applied_line = vim.api.nvim_buf_get_lines(buf, lnum - 1, lnum, false)[1]
  end

  -- 4. Go to definition of [[Reading list#Next up]] with the user's command; it should jump.
  local dl, dc = find_line(buf, '[[Reading list#Next up]]')
  vim.api.nvim_win_set_cursor(0, { dl, dc + 3 }) -- inside the link text (0-based column)
  vim.lsp.buf.definition()
  vim.wait(5000, function()
    return vim.api.nvim_get_current_buf() ~= buf
  end, 50)
  result.definition = {
    file = vim.api.nvim_buf_get_name(0),
    line = vim.api.nvim_win_get_cursor(0)[1],
    text = vim.api.nvim_get_current_line(),
  }
  if vim.api.nvim_get_current_buf() ~= buf then
    vim.api.nvim_set_current_buf(buf)
  end

  -- 5. Hover on [[Spaced repetition]] with the user's command; it opens a floating preview.
  local hl, hc = find_line(buf, '[[Spaced repetition]]')
  vim.api.nvim_win_set_cursor(0, { hl, hc + 3 })
  local before = {}
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    before[w] = true
  end
  vim.lsp.buf.hover()
  local float
  vim.wait(5000, function()
    for _, w in ipairs(vim.api.nvim_list_wins()) do
      if not before[w] and vim.api.nvim_win_get_config(w).relative ~= '' then
        float = w
        return true
      end
    end
    return false
  end, 50)
  result.hover = {
    float = float ~= nil,
    lines = float and vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(float), 0, -1, false) or {},
  }
  if float then
    pcall(vim.api.nvim_win_close, float, true)
  end

  -- 6. Side panels. Incoming calls of the note a link names, with the user's command: Neovim
  -- lists them in the quickfix list.
  vim.api.nvim_set_current_buf(buf)
  vim.api.nvim_win_set_cursor(0, { hl, hc + 3 })
  vim.fn.setqflist({})
  vim.lsp.buf.incoming_calls()
  vim.wait(5000, function()
    return #vim.fn.getqflist() > 0
  end, 50)
  result.incoming = {}
  for _, e in ipairs(vim.fn.getqflist()) do
    table.insert(result.incoming, { file = vim.api.nvim_buf_get_name(e.bufnr), lnum = e.lnum, text = e.text })
  end
  vim.cmd('cclose')
  vim.api.nvim_set_current_buf(buf)

  -- 6b. Code actions on an unlinked mention.
  local ml, mc = find_line(buf, 'Spaced repetition, written')
  local action_params = {
    textDocument = { uri = uri },
    range = { start = { line = ml - 1, character = mc + 2 }, ['end'] = { line = ml - 1, character = mc + 2 } },
    context = { diagnostics = {} },
  }
  result.actions = {}
  for _, r in pairs(vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', action_params, 5000) or {}) do
    for _, a in ipairs(r.result or {}) do
      table.insert(result.actions, a.title)
    end
  end

  -- 6c. The backlink count: an inlay hint (0.10+) and a code lens on the title heading.
  if vim.lsp.inlay_hint and vim.lsp.inlay_hint.get then
    vim.lsp.inlay_hint.enable(true, { bufnr = buf })
    local hints = {}
    vim.wait(5000, function()
      hints = vim.lsp.inlay_hint.get({ bufnr = buf })
      return #hints > 0
    end, 50)
    result.inlay = {}
    for _, h in ipairs(hints) do
      local label = h.inlay_hint.label
      table.insert(result.inlay, { line = h.inlay_hint.position.line, label = type(label) == 'string' and label or '' })
    end
  end
  if vim.fn.has('nvim-0.10') == 1 then
    vim.lsp.codelens.refresh({ bufnr = buf })
  else
    vim.lsp.codelens.refresh()
  end
  local lenses = {}
  vim.wait(5000, function()
    lenses = vim.lsp.codelens.get(buf) or {}
    return #lenses > 0
  end, 50)
  result.lenses = {}
  for _, l in ipairs(lenses) do
    table.insert(result.lenses, { line = l.range.start.line, title = l.command and l.command.title or '' })
  end

  -- 6. The daily note, with the shipped :NotegraphDaily command: created from the vault's
  -- template (NOTEGRAPH_NOW fixes today as 2026-03-14) and opened.
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(w).relative ~= '' then
      vim.api.nvim_win_close(w, true)
    end
  end
  vim.api.nvim_set_current_buf(buf)
  vim.cmd('NotegraphDaily')
  vim.wait(10000, function()
    local name = vim.api.nvim_buf_get_name(0)
    return name:sub(-#'journal/2026-03-14.md') == 'journal/2026-03-14.md'
      and (vim.api.nvim_buf_get_lines(0, 0, 1, false)[1] or '') ~= ''
  end, 50)
  result.daily = {
    file = vim.api.nvim_buf_get_name(0),
    lines = vim.api.nvim_buf_get_lines(0, 0, -1, false),
  }

  -- 7. Frontmatter properties, typed at the top of "Start here.md" (its other steps are done):
  -- a key's completion with its note count and type, a value's completion, and hover on a key.
  vim.api.nvim_set_current_buf(buf)
  local function complete_at(line, character)
    local found = {}
    local at = { textDocument = { uri = uri }, position = { line = line, character = character } }
    for _, r in pairs(vim.lsp.buf_request_sync(buf, 'textDocument/completion', at, 5000) or {}) do
      for _, item in ipairs(r.result and (r.result.items or r.result) or {}) do
        table.insert(found, { label = item.label, detail = item.detail or '' })
      end
    end
    return found
  end
  vim.api.nvim_buf_set_lines(buf, 0, 0, false, { '---', 'sta', '---' })
  result.property_keys = complete_at(1, 3)
  vim.api.nvim_buf_set_lines(buf, 1, 2, false, { 'status: ' })
  result.property_values = complete_at(1, 8)
  vim.api.nvim_win_set_cursor(0, { 2, 2 })
  local before_hover = {}
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    before_hover[w] = true
  end
  vim.lsp.buf.hover()
  local key_float
  vim.wait(5000, function()
    for _, w in ipairs(vim.api.nvim_list_wins()) do
      if not before_hover[w] and vim.api.nvim_win_get_config(w).relative ~= '' then
        key_float = w
        return true
      end
    end
    return false
  end, 50)
  result.property_hover = key_float and vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(key_float), 0, -1, false)
    or {}
end

local ok, err = pcall(run)
result.progress = progress
if not ok then
  result.error = tostring(err)
end
local f = assert(io.open(out_path, 'w'))
f:write(vim.fn.json_encode(result))
f:close()
vim.cmd('qall!')
