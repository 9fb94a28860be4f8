---@brief
---
--- notegraph: a language server for linked markdown notes (Obsidian-style `[[wikilinks]]`, tags,
--- frontmatter). Completion after `[[` and `#`, go to definition, references (backlinks), hover
--- previews and broken-link diagnostics.
---
--- Install the `notegraph` binary (`cargo install --path .` in its repository) so that it is on
--- your `PATH`. The vault is the nearest folder upward holding `.obsidian` or `.notegraph.toml`.
--- Without one, the client starts with no workspace folder and notegraph finds the vault itself
--- from the notes you open (their own folder), as the 0.7–0.10 set-up does. `.git` is no marker:
--- notes inside a code repository are not a vault of the whole repository. Settings go in
--- `init_options`, for example:
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
  root_markers = { '.obsidian', '.notegraph.toml' },
  -- A folder of notes with no marker is still served: the server finds its vault.
  workspace_required = false,
}
