// The static-folder origin: maps a URL path to a file below one root folder.
//
// Safety: the URL path is percent-decoded exactly once, then refused if any
// segment is "..", or if it holds a backslash, NUL or other control byte;
// the resulting file is then resolved with realpath(3) (symlinks included)
// and must still lie inside the canonical root. Both checks must pass, so an
// encoded `%2e%2e`, `%2f`, `..\\` or a symlink pointing out never leaves it.
//
// Small files (<= kMaxCachedFileBytes) are kept in memory with the answer's
// headers, revalidated by a stat() (device, inode, size, mtime) at most once
// per StaticOptions::revalidate_after (1 s): an edit, a new file in place of
// an old one or a removal shows up within that time, and a request for a
// file checked since costs no system call. The traversal checks above run
// on every request all the same; the containment check on every cache fill.
// Thread-safe: the cache takes a shared lock on hits.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/http/message.h"
#include "core/status.h"

namespace barrier {

// What to send for one static request. Exactly one of `body` and
// `file_path` carries the content (neither for 304, HEAD still reports
// `content_length`).
struct StaticReply {
  int status = 200;
  Headers headers;  // Content-Type, ETag, Last-Modified, Location, Allow, Cache-Control
  std::shared_ptr<const std::string> body;  // small files and error pages
  std::string file_path;                    // large files: stream from disk
  uint64_t content_length = 0;
  bool send_body = true;  // false for HEAD and 304
};

constexpr uint64_t kMaxCachedFileBytes = 256 * 1024;

class StaticOrigin {
 public:
  virtual ~StaticOrigin() = default;
  // GET and HEAD (405 otherwise); 404 for anything missing or refused,
  // 400 for a malformed escape, 301 to add the '/' of a directory, 304 when
  // If-None-Match matches. Never fails otherwise. Thread-safe.
  virtual StaticReply serve(const Request& request) = 0;
};

struct StaticOptions {
  // A cached file is served without a stat() for this long after its last.
  std::chrono::milliseconds revalidate_after{1000};
  // The steady clock; tests set their own.
  std::function<std::chrono::steady_clock::time_point()> now = std::chrono::steady_clock::now;
};

// `root` must be an existing directory. The error names it.
Result<std::unique_ptr<StaticOrigin>> openStaticOrigin(const std::string& root,
                                                       StaticOptions options = {});

// The Content-Type for a file name, by extension ("application/octet-stream"
// when unknown).
const char* contentTypeFor(std::string_view file_name);

// The decoded, validated path below the root ("docs/a b.html", "" for the
// root itself), or kInvalidArgument for a malformed escape and kNotFound for
// a traversal attempt or a forbidden byte. Exposed for tests.
Result<std::string> mapUrlPath(std::string_view url_path);

// True when an If-None-Match value matches `etag` (weak comparison, "*").
bool etagMatches(std::string_view if_none_match, std::string_view etag);

}  // namespace barrier
