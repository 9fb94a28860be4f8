---@brief
---
--- notegraph: a language server for linked markdown notes (Obsidian-style `[[wikilinks]]`, tags,
--- frontmatter). Completion after `[[` and `#`, go to definition, references (backlinks), hover
--- previews and broken-link diagnostics.
---
--- Install the `notegraph` binary (`cargo install --path .` in its repository) so that it is on
--- your `PATH`. The vault is the nearest folder upward holding `.obsidian`, `.notegraph.toml` or
--- `.git`. Settings go in `init_options`, for example:
---
--- ```lua
--- vim.lsp.config('notegraph', {
---   init_options = { aliasFallback = true, completion = { limit = 50 } },
--- })
--- ```
---
--- Neovim 0.11+: put this file at `lsp/notegraph.lua` on your 'runtimepath' (for example
--- `~/.config/nvim/lsp/notegraph.lua`) and call `vim.lsp.enable('notegraph')`.

---@type vim.lsp.Config
return {
  cmd = { 'notegraph' },
  filetypes = { 'markdown' },
  root_markers = { '.obsidian', '.notegraph.toml', '.git' },
}
