// Internal to src/server: HTTP/1.1 Upgrade (WebSocket) to upstream origins.
//
// An upgrade request is checked like any other; when it passes and its
// origin is an upstream, relayUpgrade() forwards it with its Upgrade and
// Connection headers (every other request loses them, as hop-by-hop). When
// the upstream answers 101 Switching Protocols, the client gets that answer
// and the connection becomes a tunnel: bytes relayed both ways, as they come,
// through a 16 KiB buffer per direction. Any other answer is relayed as
// relay() relays it.
//
// A tunnel ends when both sides have closed (a half-close is passed on),
// when either fails, when no byte has moved for `idle_timeout`, when the
// session that opened it no longer passes the check (asked again every
// `recheck_period`), or when the server stops.
//
// Thread safety: a tunnel runs on its client connection's io_context (one
// thread); the
// coroutines that move bytes and the one that watches them share its state
// without locks because they never run at once.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "core/handlers/check.h"
#include "core/http/message.h"
#include "core/ports/log.h"
#include "server/asio_support.h"
#include "server/upstream.h"

namespace barrier::server_detail {

// The protocol `request` asks to switch to (its Upgrade header) when it may
// have one: HTTP/1.1, GET, "upgrade" among its Connection tokens, and no
// body. "" otherwise.
std::string upgradeProtocol(const Request& request, unsigned version, bool has_body);

// The server's check of the request that opened a tunnel, run again.
using SessionCheck = std::function<net::awaitable<CheckDecision>()>;

// How often a tunnel asks whether its session still passes: every cache
// TTL, at least once a second. The recheck reads the store past the cache
// (SessionSource::kStore, check.h), so a session that ends closes its
// tunnels within this period wherever it was ended: within cache.ttl, the
// bound of every other request (a logout on this instance forgets the
// cache entry, so only open tunnels wait for it).
std::chrono::milliseconds recheckPeriod(int64_t cache_ttl_seconds);

struct TunnelOptions {
  std::chrono::milliseconds idle_timeout{std::chrono::hours(1)};
  std::chrono::milliseconds recheck_period{std::chrono::seconds(300)};
  // When set and true, the tunnel closes (server shutdown): looked at least
  // once a second.
  const std::atomic<bool>* stopping = nullptr;
};

// Why a tunnel ended.
enum class TunnelEnd { kClosed, kFailed, kIdle, kSessionEnded, kStopping };
const char* tunnelEndName(TunnelEnd end);  // "closed", "failed", "idle", ...

// What an upgrade needs besides relay()'s arguments. The references must
// outlive relayUpgrade().
struct UpgradeRequest {
  std::string protocol;               // from upgradeProtocol()
  beast::flat_buffer& client_buffer;  // what the client sent after its request header
  TunnelOptions options;
  const SessionCheck& recheck;
  Log& log;
  std::string request_id;  // for the log line that says why the tunnel ended
};

// Forwards `forwarded` (prepared as for relay(), hop-by-hop headers
// removed) with Connection: Upgrade and `upgrade.protocol`, and answers the
// client as relay() does; on a 101 the tunnel runs until it ends. Then the
// result says status 101, keep_alive false.
net::awaitable<RelayResult> relayUpgrade(ClientStream& client, Request& forwarded,
                                         const UpgradeRequest& upgrade, UpstreamPool& pool,
                                         const RelayOptions& options, const Headers& extra);

// The tunnel itself: first what is pending on either side (bytes read past
// an HTTP header), then everything either stream reads goes to the other,
// until one of the ends above. Both are closed or shut down when it
// returns. All of it runs on the calling coroutine's executor, which must
// run one handler at a time (a single-threaded io_context, or a strand).
// Plain or TLS on either side.
net::awaitable<TunnelEnd> runTunnel(ClientStream& client, beast::flat_buffer& client_pending,
                                    UpstreamStream& upstream, beast::flat_buffer& upstream_pending,
                                    const TunnelOptions& options, const SessionCheck& recheck);

}  // namespace barrier::server_detail
