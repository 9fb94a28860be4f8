-- notegraph for Neovim 0.7–0.10, which lack vim.lsp.config/vim.lsp.enable: starts one notegraph
-- client per vault with vim.lsp.start_client and attaches every markdown buffer inside it. A note
-- under no marker goes to one client started with no workspace folder, where notegraph finds the
-- vault itself from the notes opened — as lsp/notegraph.lua does on 0.11.
--
-- Usage (init.lua), with this folder's parent on 'runtimepath' or this file copied to
-- ~/.config/nvim/lua/notegraph/legacy.lua:
--
--   require('notegraph.legacy').setup()                      -- defaults
--   require('notegraph.legacy').setup({
--     cmd = { '/path/to/notegraph' },
--     init_options = { aliasFallback = true, completion = { limit = 50 } },
--     on_attach = function(client, bufnr) ... end,
--   })
--
-- Uses only APIs that exist in 0.7 (no vim.fs, no vim.lsp.start), so it works from 0.7 to 0.10.
local M = {}

M.defaults = {
  name = 'notegraph',
  cmd = { 'notegraph' },
  filetypes = { 'markdown' },
  root_markers = { '.obsidian', '.notegraph.toml' },
}

local uv = vim.loop
local clients = {} -- vault root (or NO_ROOT) -> client id
-- The key of the client started with no workspace folder.
local NO_ROOT = ''

local function parent(dir)
  local p = vim.fn.fnamemodify(dir, ':h')
  if p == dir then
    return nil
  end
  return p
end

-- The nearest folder at or above `start` that holds one of `markers`, trying the markers in order
-- (as vim.fs.root does); nil when none is found.
local function find_root(start, markers)
  for _, marker in ipairs(markers) do
    local dir = start
    while dir do
      if uv.fs_stat(dir .. '/' .. marker) then
        return dir
      end
      dir = parent(dir)
    end
  end
  return nil
end

function M.attach(bufnr, opts)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or vim.bo[bufnr].buftype ~= '' then
    return
  end
  local file = vim.fn.fnamemodify(name, ':p')
  local dir = vim.fn.fnamemodify(file, ':h')
  -- Outside any marked vault, the server finds the vault from the note (its own folder).
  local root = find_root(dir, opts.root_markers)
  local key = root or NO_ROOT
  local id = clients[key]
  -- A client that exited is no longer returned by get_client_by_id: start a new one then.
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    local config = vim.tbl_deep_extend('force', {}, opts, root and {
      root_dir = root,
      workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    } or {})
    config.filetypes = nil
    config.root_markers = nil
    local ok, started = pcall(vim.lsp.start_client, config)
    id = ok and started or nil
    if not id then
      vim.notify('notegraph: could not start ' .. tostring(opts.cmd[1]) .. ': ' .. tostring(started), vim.log.levels.ERROR)
      return
    end
    clients[key] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
end

function M.setup(user)
  -- Shallow: a user's cmd or root_markers list replaces the default one whole.
  local opts = vim.tbl_extend('force', {}, M.defaults, user or {})
  local group = vim.api.nvim_create_augroup('notegraph', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = opts.filetypes,
    callback = function(args)
      M.attach(args.buf, opts)
    end,
  })
  -- Buffers that were already open when setup() ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(opts.filetypes, vim.bo[bufnr].filetype) then
      M.attach(bufnr, opts)
    end
  end
end

return M
