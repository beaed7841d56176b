#include "adapters/redis_revocations.h"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <string_view>

#include "adapters/redis_store.h"

namespace barrier {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int kPollMs = 250;
constexpr int kMaxBackoffMs = 2000;

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

std::string_view text(const redisReply* r) {
  return r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS
             ? std::string_view(r->str, r->len)
             : std::string_view();
}

// ["subscribe", channel, n], ["message", channel, payload], ["pong", ""]:
// the push's kind, and its payload when it is a message.
std::string_view kindOf(const redisReply* r, std::string_view& payload) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 2) return {};
  if (r->elements == 3) payload = text(r->element[2]);
  return text(r->element[0]);
}

int64_t millisSince(SteadyClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - t).count();
}

}  // namespace

RevocationListener::RevocationListener(std::string url, std::shared_ptr<GatedSessionCache> cache,
                                       Log& log, std::function<void()> on_lost)
    : url_(std::move(url)), cache_(std::move(cache)), log_(log), on_lost_(std::move(on_lost)) {
  cache_->close();
  thread_ = std::thread([this] { run(); });
}

RevocationListener::~RevocationListener() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void RevocationListener::pause(int ms) {
  for (int waited = 0; waited < ms && !stop_.load(); waited += 50) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void RevocationListener::run() {
  int backoff_ms = 100;
  while (!stop_.load()) {
    bool subscribed = false;
    listenOnce(subscribed);
    if (stop_.load()) break;
    // Closed before anything else: from here on a revocation may go unheard.
    cache_->close();
    if (subscribed) {
      backoff_ms = 100;
      if (on_lost_) on_lost_();
      if (log_.enabled(LogLevel::kWarn)) {
        log_.write(LogLevel::kWarn, "store.revocations_lost",
                   {{"channel", kRedisRevokedChannel},
                    {"effect", "session cache bypassed until resubscribed"}});
      }
    } else {
      backoff_ms = std::min(backoff_ms * 2, kMaxBackoffMs);
    }
    pause(backoff_ms);
  }
}

void RevocationListener::listenOnce(bool& subscribed) {
  RedisStoreOptions options;
  options.connect_timeout_ms = 1000;
  options.command_timeout_ms = 1000;
  Result<redisContext*> opened = openRedisConnection(url_, options);
  if (!opened.isOk()) return;
  Context c(*opened);
  Reply confirmed(
      static_cast<redisReply*>(redisCommand(c.get(), "SUBSCRIBE %s", kRedisRevokedChannel)));
  std::string_view payload;
  if (!confirmed || kindOf(confirmed.get(), payload) != "subscribe") return;
  cache_->open();
  subscribed = true;
  if (log_.enabled(LogLevel::kInfo)) {
    log_.write(LogLevel::kInfo, "store.revocations_subscribed",
               {{"channel", kRedisRevokedChannel}});
  }
  auto heard = SteadyClock::now();
  bool pinged = false;
  while (!stop_.load()) {
    pollfd p{c->fd, POLLIN, 0};
    int ready = ::poll(&p, 1, kPollMs);
    if (ready < 0) return;
    if (ready == 0) {
      int64_t silent = millisSince(heard);
      if (silent >= 2 * kPingAfterMs) return;  // no answer to the ping: lost
      if (silent >= kPingAfterMs && !pinged) {
        int done = 0;
        if (redisAppendCommand(c.get(), "PING") != REDIS_OK) return;
        while (!done) {
          if (redisBufferWrite(c.get(), &done) != REDIS_OK) return;
        }
        pinged = true;
      }
      continue;
    }
    if (redisBufferRead(c.get()) != REDIS_OK) return;  // closed or failed
    heard = SteadyClock::now();
    pinged = false;
    void* raw = nullptr;
    while (redisGetReplyFromReader(c.get(), &raw) == REDIS_OK && raw != nullptr) {
      Reply reply(static_cast<redisReply*>(raw));
      raw = nullptr;
      payload = {};
      if (kindOf(reply.get(), payload) == "message" && !payload.empty()) cache_->erase(payload);
    }
    if (c->err) return;
  }
}

}  // namespace barrier
