#include "core/handlers/pages.h"

namespace barrier {

namespace {

constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;"
    "color:#222;line-height:1.5}h1{font-size:1.4rem}a{color:#0b5cad}";

// Only links the pages themselves produce: same-site paths and web URLs.
// Anything else (javascript:, data:, "//host") is replaced, so a caller
// passing through a bad value cannot turn the link into script.
bool isSafeHref(std::string_view href) {
  if (href.size() >= 1 && href[0] == '/' &&
      (href.size() == 1 || (href[1] != '/' && href[1] != '\\'))) {
    return true;
  }
  return href.rfind("https://", 0) == 0 || href.rfind("http://", 0) == 0;
}

std::string_view cut(std::string_view text) {
  if (text.size() <= kMaxPageTextBytes) return text;
  // Do not end inside a UTF-8 sequence.
  size_t n = kMaxPageTextBytes;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

}  // namespace

std::string htmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') || c == 0x7f) break;
        out += c;
    }
  }
  return out;
}

std::string renderPage(std::string_view title, std::string_view message,
                       const std::optional<PageLink>& link) {
  std::string t = htmlEscape(cut(title));
  std::string page;
  page.reserve(512 + 2 * t.size() + message.size());
  page += "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">";
  page += "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>";
  page += t;
  page += "</title><style>";
  page += kStyle;
  page += "</style></head><body><h1>";
  page += t;
  page += "</h1><p>";
  page += htmlEscape(cut(message));
  page += "</p>";
  if (link) {
    page += "<p><a href=\"";
    page += htmlEscape(isSafeHref(link->href) ? std::string_view(cut(link->href)) : "/");
    page += "\">";
    page += htmlEscape(cut(link->text));
    page += "</a></p>";
  }
  page += "</body></html>\n";
  return page;
}

Response pageResponse(int status, std::string_view title, std::string_view message,
                      const std::optional<PageLink>& link) {
  Response r;
  r.status = status;
  r.headers.add("Content-Type", "text/html; charset=utf-8");
  r.headers.add("Cache-Control", "no-store");
  r.headers.add("X-Content-Type-Options", "nosniff");
  r.headers.add("X-Frame-Options", "DENY");
  r.headers.add("Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  r.body = renderPage(title, message, link);
  return r;
}

}  // namespace barrier
