#include "server/static_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <unordered_map>

#include "core/http/percent.h"
#include "core/mutex.h"
#include "server/error_pages.h"

namespace barrier {

namespace {

struct ContentType {
  std::string_view extension;
  const char* type;
};

constexpr ContentType kContentTypes[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"xml", "application/xml"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"pdf", "application/pdf"},
    {"wasm", "application/wasm"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"mp3", "audio/mpeg"},
    {"ogg", "audio/ogg"},
    {"wav", "audio/wav"},
    {"webmanifest", "application/manifest+json"},
};

std::string httpDate(time_t seconds) {
  struct tm tm_utc {};
  gmtime_r(&seconds, &tm_utc);
  char buffer[64];
  size_t n = strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &tm_utc);
  return std::string(buffer, n);
}

std::string hex(uint64_t value) {
  char buffer[32];
  int n = std::snprintf(buffer, sizeof buffer, "%llx", static_cast<unsigned long long>(value));
  return std::string(buffer, static_cast<size_t>(n));
}

bool forbiddenByte(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f || c == '\\';
}

// One small file held in memory, valid while its stat() is unchanged.
struct CachedFile {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  struct timespec mtime {};
  std::shared_ptr<const std::string> content;  // null: too large, streamed from disk
  std::string etag;
  std::string last_modified;
  const char* content_type = nullptr;
  // A folder's index.html, served only under a URL that ends in '/'.
  bool folder_index = false;
  // When a stat() last found the file unchanged (steady clock, in ns).
  mutable std::atomic<int64_t> checked_at{0};

  bool sameAs(const struct stat& st) const {
    return device == st.st_dev && inode == st.st_ino && size == st.st_size &&
           mtime.tv_sec == st.st_mtim.tv_sec && mtime.tv_nsec == st.st_mtim.tv_nsec;
  }
};

bool readWholeFile(const std::string& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (ok) {
    out.resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::read(fd, out.data() + done, out.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    out.resize(done);
  }
  ::close(fd);
  return ok;
}

class StaticOriginImpl : public StaticOrigin {
 public:
  StaticOriginImpl(std::string canonical_root, StaticOptions options)
      : root_(std::move(canonical_root)), options_(std::move(options)) {}

  StaticReply serve(const Request& request) override {
    bool head = request.method == "HEAD";
    if (request.method != "GET" && !head) {
      StaticReply reply = page(405, head);
      reply.headers.set("Allow", "GET, HEAD");
      return reply;
    }
    Result<std::string> relative = mapUrlPath(request.path);
    if (!relative.isOk()) {
      return page(relative.status().code() == Code::kInvalidArgument ? 400 : 404, head);
    }
    if (auto file = recentlyChecked(*relative, request.path)) return answer(request, *file, head);
    return serveFromDisk(request, *relative, head);
  }

 private:
  int64_t nowNs() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(options_.now().time_since_epoch())
        .count();
  }

  // The cached file for `key` when a stat() confirmed it less than
  // revalidate_after ago, and `url_path` may be served with it; else null.
  std::shared_ptr<const CachedFile> recentlyChecked(const std::string& key,
                                                    std::string_view url_path) {
    int64_t now = nowNs();
    ReaderLock lock(mu_);
    auto it = cache_.find(key);
    if (it == cache_.end()) return nullptr;
    const CachedFile& file = *it->second;
    int64_t age = now - file.checked_at.load(std::memory_order_relaxed);
    if (age < 0 || age >= std::chrono::nanoseconds(options_.revalidate_after).count()) {
      return nullptr;
    }
    if (file.folder_index && (url_path.empty() || url_path.back() != '/')) return nullptr;
    return it->second;
  }

  StaticReply serveFromDisk(const Request& request, const std::string& relative, bool head) {
    std::string full = relative.empty() ? root_ : root_ + "/" + relative;
    struct stat st {};
    if (::stat(full.c_str(), &st) != 0) return page(404, head);
    bool folder = S_ISDIR(st.st_mode);
    if (folder) {
      // A directory is served through its index.html, and only under a URL
      // that ends in '/', so relative links inside the page resolve.
      if (request.path.empty() || request.path.back() != '/') {
        return redirectToDirectory(request, head);
      }
      full += "/index.html";
      if (::stat(full.c_str(), &st) != 0) return page(404, head);
    }
    if (!S_ISREG(st.st_mode)) return page(404, head);
    std::shared_ptr<const CachedFile> file = lookup(relative, st);
    if (!file) {
      // The containment check runs on every cache fill: the realpath of the
      // file (symlinks resolved) must be below the canonical root.
      if (!insideRoot(full)) return page(404, head);
      file = load(relative, full, st, folder);
    }
    StaticReply reply = answer(request, *file, head);
    if (!file->content && reply.send_body) reply.file_path = full;
    return reply;
  }

  static StaticReply answer(const Request& request, const CachedFile& file, bool head) {
    StaticReply reply;
    reply.headers.set("Content-Type", file.content_type);
    reply.headers.set("ETag", file.etag);
    reply.headers.set("Last-Modified", file.last_modified);
    // Protected content: browsers may keep it but must revalidate, shared
    // caches must not keep it at all.
    reply.headers.set("Cache-Control", "private, no-cache");
    const std::string* inm = request.headers.find("If-None-Match");
    if (inm != nullptr && etagMatches(*inm, file.etag)) {
      reply.status = 304;
      reply.send_body = false;
      return reply;
    }
    reply.content_length = static_cast<uint64_t>(file.size);
    reply.send_body = !head;
    if (file.content) {
      reply.body = file.content;
      reply.content_length = file.content->size();
    }
    return reply;
  }

  // The cached file for `key` if `st` shows it unchanged (then confirmed
  // as of now), else null.
  std::shared_ptr<const CachedFile> lookup(const std::string& key, const struct stat& st) {
    int64_t now = nowNs();
    ReaderLock lock(mu_);
    auto it = cache_.find(key);
    if (it == cache_.end() || !it->second->sameAs(st)) return nullptr;
    it->second->checked_at.store(now, std::memory_order_relaxed);
    return it->second;
  }

  std::shared_ptr<const CachedFile> load(const std::string& key, const std::string& full,
                                         const struct stat& st, bool folder) {
    auto file = std::make_shared<CachedFile>();
    file->folder_index = folder;
    file->checked_at.store(nowNs(), std::memory_order_relaxed);
    file->device = st.st_dev;
    file->inode = st.st_ino;
    file->size = st.st_size;
    file->mtime = st.st_mtim;
    // Built by appending: `"\"" + std::string` trips GCC 12's -Wrestrict.
    file->etag.reserve(48);
    file->etag.append(1, '"');
    file->etag.append(hex(static_cast<uint64_t>(st.st_mtim.tv_sec))).append(1, '-');
    file->etag.append(hex(static_cast<uint64_t>(st.st_mtim.tv_nsec))).append(1, '-');
    file->etag.append(hex(static_cast<uint64_t>(st.st_size))).append(1, '"');
    file->last_modified = httpDate(st.st_mtim.tv_sec);
    file->content_type = contentTypeFor(full);
    if (static_cast<uint64_t>(st.st_size) <= kMaxCachedFileBytes) {
      std::string content;
      if (readWholeFile(full, content) && content.size() == static_cast<size_t>(st.st_size)) {
        file->content = std::make_shared<const std::string>(std::move(content));
        WriterLock lock(mu_);
        if (cache_.size() >= kMaxCacheEntries) cache_.clear();
        cache_[key] = file;
      }
    }
    return file;
  }

  bool insideRoot(const std::string& full) const {
    char resolved[PATH_MAX];
    if (::realpath(full.c_str(), resolved) == nullptr) return false;
    std::string_view path(resolved);
    return path == root_ ||
           (path.size() > root_.size() && path.compare(0, root_.size(), root_) == 0 &&
            (root_ == "/" || path[root_.size()] == '/'));
  }

  static StaticReply redirectToDirectory(const Request& request, bool head) {
    StaticReply reply = page(301, head);
    // The path is as received (still encoded), so it is safe to echo in a
    // header; it starts with '/' by construction of the request line. A
    // run of leading slashes becomes one: "//docs/" would name host "docs".
    std::string_view path = request.path;
    while (path.size() > 1 && (path[1] == '/' || path[1] == '\\')) path.remove_prefix(1);
    std::string location = std::string(path) + "/";
    if (!request.query.empty()) location += "?" + request.query;
    reply.headers.set("Location", location);
    return reply;
  }

  static StaticReply page(int status, bool head) {
    Response response = errorPage(status);
    StaticReply reply;
    reply.status = status;
    reply.headers = std::move(response.headers);
    reply.content_length = response.body.size();
    reply.body = std::make_shared<const std::string>(std::move(response.body));
    reply.send_body = !head;
    return reply;
  }

  static constexpr size_t kMaxCacheEntries = 4096;

  std::string root_;
  const StaticOptions options_;
  SharedMutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const CachedFile>> cache_ GUARDED_BY(mu_);
};

}  // namespace

const char* contentTypeFor(std::string_view file_name) {
  size_t slash = file_name.rfind('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  size_t dot = file_name.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  std::string_view extension = file_name.substr(dot + 1);
  for (const ContentType& entry : kContentTypes) {
    if (equalsIgnoreCase(entry.extension, extension)) return entry.type;
  }
  return "application/octet-stream";
}

Result<std::string> mapUrlPath(std::string_view url_path) {
  if (url_path.empty() || url_path.front() != '/') return Status::notFound("not an absolute path");
  std::string decoded;
  if (!percentDecode(url_path, decoded, false)) return Status::invalid("malformed escape");
  std::string out;
  std::string_view rest = decoded;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    // ".." is refused outright rather than resolved: no legitimate link
    // needs it, and resolving it is how traversal bugs are born.
    if (segment == "..") return Status::notFound("dot-dot segment");
    for (char c : segment) {
      if (forbiddenByte(c)) return Status::notFound("forbidden byte");
    }
    if (!out.empty()) out += '/';
    out.append(segment);
  }
  return out;
}

bool etagMatches(std::string_view if_none_match, std::string_view etag) {
  auto strip = [](std::string_view tag) {
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
    return tag;
  };
  std::string_view want = strip(etag);
  std::string_view rest = if_none_match;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view candidate = strip(rest.substr(0, comma));
    if (candidate == "*" || (!candidate.empty() && candidate == want)) return true;
    if (comma == std::string_view::npos) return false;
    rest.remove_prefix(comma + 1);
  }
}

Result<std::unique_ptr<StaticOrigin>> openStaticOrigin(const std::string& root,
                                                       StaticOptions options) {
  char resolved[PATH_MAX];
  if (::realpath(root.c_str(), resolved) == nullptr) {
    return Status::invalid("static: folder " + root + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::stat(resolved, &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::invalid("static: " + root + " is not a folder");
  }
  std::unique_ptr<StaticOrigin> origin =
      std::make_unique<StaticOriginImpl>(resolved, std::move(options));
  return origin;
}

}  // namespace barrier
