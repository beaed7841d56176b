// Small self-contained HTML pages for people (403, sign-in errors, signed
// out). One builder so every page escapes the same way and stays far below
// Lambda@Edge's 40 KB limit for generated responses.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/http/message.h"

namespace barrier {

struct PageLink {
  std::string text;
  std::string href;  // must be relative ("/...") or http(s)://; otherwise "/" is used
};

// &, <, >, ", ' become entities; control characters other than TAB/LF are dropped.
std::string htmlEscape(std::string_view text);

// A complete HTML document: title, one message paragraph, optional link.
// Title and message are cut to kMaxPageTextBytes before escaping, so a page
// is always well under 40 KB whatever the input.
std::string renderPage(std::string_view title, std::string_view message,
                       const std::optional<PageLink>& link = std::nullopt);
constexpr size_t kMaxPageTextBytes = 1024;  // escaped worst case: 5 x 6 KB

// `status` with the page as body and the headers every generated page needs:
// Content-Type, Cache-Control: no-store, X-Content-Type-Options, a CSP that
// allows nothing but the inline style, and X-Frame-Options DENY.
Response pageResponse(int status, std::string_view title, std::string_view message,
                      const std::optional<PageLink>& link = std::nullopt);

}  // namespace barrier
