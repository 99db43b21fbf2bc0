// Paged listings shared by every `list` command: one page (--limit, --page-token) or every page
// (--all, each page still bounded), printed as a table or as {"items", "next_page_token"}.
#pragma once

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "lathe/cli/output.h"
#include "lathe/cli/table.h"
#include "lathe/metadata/metadata_store.h"

namespace lathe::cli {

struct PageArgs {
  int limit = 50;
  std::string page_token;
  bool all = false;
};

inline void AddPageOptions(CLI::App* cmd, PageArgs& a) {
  cmd->add_option("--limit", a.limit, "rows per page")
      ->check(CLI::Range(1, metadata::ListOptions::kMaxPageSize))
      ->default_str("50");
  cmd->add_option("--page-token", a.page_token, "continue after a previous page");
  cmd->add_flag("--all", a.all, "follow every page (each page stays bounded)");
}

// Fetches pages of `o` (page size and token from `a`) with `fetch(o) -> Result<Page<T>>` and
// prints them: `row(item)` gives a table row under `headers`, `json(item)` a JSON item.
// INVALID_ARGUMENT from the fetch is a bad filter or page token: a usage error (2).
template <typename T, typename Fetch, typename RowFn, typename JsonFn>
int PrintListing(const GlobalOptions& g, metadata::ListOptions o, const PageArgs& a,
                 const std::vector<std::string>& headers, Fetch fetch, RowFn row, JsonFn json) {
  o.page_size = a.limit;
  o.page_token = a.page_token;
  // JSON is written item by item, as {"items": [...], "next_page_token": ...} the way PrintJson
  // would write it, so that --all never holds the whole listing in memory.
  JsonListWriter items;
  Table table(headers);
  std::string next;
  while (true) {
    Result<metadata::Page<T>> page = fetch(o);
    if (!page.ok()) return ReportRequestError(page.status());
    for (const auto& item : page->items) {
      if (g.json)
        items.Add(json(item));
      else
        table.AddRow(row(item));
    }
    next = page->next_page_token;
    if (!a.all || next.empty()) break;
    o.page_token = next;
  }
  if (g.json) {
    items.Finish({{"next_page_token", next}});
    return kExitOk;
  }
  table.Print(stdout, TerminalWidth(stdout));
  if (!next.empty()) fmt::print(stderr, "(more: --page-token {} or --all)\n", next);
  return kExitOk;
}

}  // namespace lathe::cli
