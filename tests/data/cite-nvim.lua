-- Neovim (0.7 and later) as the client: hover, key completion, a misspelt key's diagnostic and
-- definition on the citation vault. `NOTEGRAPH_BIN`, `VAULT` and `OUT` come from the test.
local root = os.getenv('VAULT')
local out = {}
local function finish()
  vim.fn.writefile(out, os.getenv('OUT'))
  vim.cmd('qa!')
end
vim.cmd('edit ' .. root .. '/Seed.md')
local start = vim.lsp.start_client({
  name = 'notegraph',
  cmd = { os.getenv('NOTEGRAPH_BIN') },
  root_dir = root,
  workspace_folders = { { uri = vim.uri_from_fname(root), name = 'vault' } },
  -- Send each edit at once: a request right after an edit must see it.
  flags = { debounce_text_changes = 0 },
})
vim.lsp.buf_attach_client(0, start)
local client = vim.lsp.get_client_by_id(start)
if not vim.wait(20000, function() return client.initialized end) then
  table.insert(out, 'not initialized')
  return finish()
end
local uri = vim.uri_from_fname(root .. '/Seed.md')
local function request(method, position)
  local res = client.request_sync(method, { textDocument = { uri = uri }, position = position }, 20000, 0)
  return res and res.result
end
local hover = request('textDocument/hover', { line = 8, character = 20 })
table.insert(out, 'hover: ' .. (hover and vim.split(hover.contents.value, '\n')[1] or 'none'))
vim.api.nvim_buf_set_lines(0, 9, 9, false, { '[@sput' })
local list = request('textDocument/completion', { line = 9, character = 6 })
local items = list and (list.items or list) or {}
table.insert(out, 'completion: ' .. (items[1] and (items[1].label .. ' (' .. (items[1].detail or '') .. ')') or 'none'))
vim.api.nvim_buf_set_lines(0, 9, 10, false, { '[@wang2021chian]' })
-- The key just typed is not flagged while it is being typed: move on to another line, as a user
-- does, and it is.
vim.api.nvim_buf_set_lines(0, -1, -1, false, { '' })
vim.wait(20000, function()
  for _, d in ipairs(vim.diagnostic.get(0)) do
    if d.message:find('wang2021chian', 1, true) then return true end
  end
  return false
end)
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(out, string.format('diagnostic %d:%d %s', d.lnum, d.col, d.message))
end
local def = request('textDocument/definition', { line = 4, character = 63 })
local loc = def and (def[1] or def)
table.insert(out, 'definition: ' .. (loc and vim.fn.fnamemodify(vim.uri_to_fname(loc.uri or loc.targetUri), ':t') or 'none'))
finish()
