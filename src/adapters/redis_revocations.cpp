#include "adapters/redis_revocations.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <chrono>
#include <string_view>

#include "adapters/redis_store.h"

namespace barrier {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int kPollMs = 250;
constexpr int kMaxBackoffMs = 2000;

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

RevocationListener::RevocationListener(std::string url, StoreTlsConfig tls,
                                       std::shared_ptr<GatedSessionCache> cache, Log& log,
                                       std::function<void()> on_lost)
    : url_(std::move(url)),
      tls_(std::move(tls)),
      cache_(std::move(cache)),
      log_(log),
      on_lost_(std::move(on_lost)) {
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
  options.tls = tls_;
  Result<std::unique_ptr<RedisConnection>> opened = openRedisConnection(url_, options);
  if (!opened.isOk()) return;
  RedisConnection& c = **opened;
  Result<RedisReply> confirmed = c.command({"SUBSCRIBE", kRedisRevokedChannel});
  std::string_view payload;
  if (!confirmed.isOk() || kindOf(confirmed->get(), payload) != "subscribe") return;
  cache_->open();
  subscribed = true;
  if (log_.enabled(LogLevel::kInfo)) {
    log_.write(LogLevel::kInfo, "store.revocations_subscribed",
               {{"channel", kRedisRevokedChannel}});
  }
  auto heard = SteadyClock::now();
  bool pinged = false;
  while (!stop_.load()) {
    Result<RedisReply> reply = c.receive(kPollMs);
    if (!reply.isOk()) return;  // closed or failed
    if (*reply == nullptr) {
      int64_t silent = millisSince(heard);
      if (silent >= 2 * kPingAfterMs) return;  // no answer to the ping: lost
      if (silent >= kPingAfterMs && !pinged) {
        if (!c.send({"PING"}).isOk()) return;
        pinged = true;
      }
      continue;
    }
    heard = SteadyClock::now();
    pinged = false;
    payload = {};
    if (kindOf(reply->get(), payload) == "message" && !payload.empty()) cache_->erase(payload);
  }
}

}  // namespace barrier
