-- Neovim init for the editor tests (editors/test.sh): loads the shipped config from editors/neovim
-- the way a user would — vim.lsp.enable on 0.11+, the legacy start_client set-up on 0.7–0.10.
local config_dir = assert(os.getenv('NOTEGRAPH_NVIM_CONFIG_DIR'), 'NOTEGRAPH_NVIM_CONFIG_DIR is unset')
vim.opt.runtimepath:prepend(config_dir)
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'

if vim.lsp.config and vim.lsp.enable then
  -- 0.11+: lsp/notegraph.lua is found on 'runtimepath'.
  vim.lsp.enable('notegraph')
else
  require('notegraph.legacy').setup()
end
