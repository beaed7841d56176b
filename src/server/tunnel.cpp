#include "server/tunnel.h"

#include <algorithm>
#include <boost/asio/write.hpp>
#include <memory>

#include "server/forward_headers.h"

namespace barrier::server_detail {

namespace {

using Clock = std::chrono::steady_clock;

// Per direction. Small on purpose: a server may hold thousands of tunnels,
// and WebSocket messages are mostly short.
constexpr size_t kTunnelChunk = 16 * 1024;
// How often a tunnel looks at the server's stopping flag.
constexpr std::chrono::seconds kStopPoll{1};
// Once one side has closed, the other has this long (without a byte) to
// finish: a WebSocket close handshake takes one round trip.
constexpr std::chrono::seconds kHalfClosedIdle{10};

// What the two pumps and the watchdog of one tunnel share (on one thread:
// the connection's io_context).
struct TunnelState {
  explicit TunnelState(const net::any_io_executor& executor) : wake(executor) {}

  void touch() { last_activity = Clock::now(); }
  // Closes both sockets (the first reason given is the one kept): every
  // operation pending on them ends.
  void end(TunnelEnd why, ClientStream& a, UpstreamStream& b) {
    if (!ended) {
      ended = true;
      reason = why;
    }
    error_code ignored;
    a.close(ignored);
    b.close(ignored);
  }
  template <class A, class B>
  void fail(A& a, B& b) {
    if constexpr (std::is_same_v<A, ClientStream>) {
      end(TunnelEnd::kFailed, a, b);
    } else {
      end(TunnelEnd::kFailed, b, a);
    }
  }
  void pumpDone() {
    --pumps_running;
    half_closed = true;
    wake.cancel();
  }

  Clock::time_point last_activity = Clock::now();
  net::steady_timer wake;  // the watchdog sleeps on it; a pump that ends cancels it
  int pumps_running = 2;
  bool half_closed = false;
  bool ended = false;
  TunnelEnd reason = TunnelEnd::kClosed;
};

// One direction: `pending` first, then whatever `from` reads, to `to`. At
// the end of `from`'s stream the half-close is passed on; a failure either
// way ends the whole tunnel.
template <class From, class To>
net::awaitable<void> pump(From& from, To& to, beast::flat_buffer& pending, TunnelState& state) {
  error_code ec;
  if (pending.size() > 0) {
    co_await net::async_write(to, pending.data(), awaitInto(ec));
    pending.consume(pending.size());
  }
  auto chunk = std::make_unique<char[]>(kTunnelChunk);
  while (!ec) {
    size_t n = co_await from.async_read_some(net::buffer(chunk.get(), kTunnelChunk), awaitInto(ec));
    if (ec) break;
    state.touch();
    co_await net::async_write(to, net::buffer(chunk.get(), n), awaitInto(ec));
    state.touch();
  }
  if (ec == net::error::eof) {
    error_code ignored;
    to.shutdownSend(ignored);
  } else if (!state.ended) {
    state.fail(from, to);
  }
}

// The next reason to end the tunnel, or nullopt while it may go on.
std::optional<TunnelEnd> overdue(const TunnelState& state, const TunnelOptions& options,
                                 Clock::time_point now) {
  if (options.stopping != nullptr && options.stopping->load()) return TunnelEnd::kStopping;
  auto idle = state.half_closed ? std::min<Clock::duration>(options.idle_timeout, kHalfClosedIdle)
                                : Clock::duration(options.idle_timeout);
  if (now - state.last_activity >= idle) return TunnelEnd::kIdle;
  return std::nullopt;
}

// Ends the tunnel when it idles, the server stops or the session no longer
// passes; returns once both pumps are done.
net::awaitable<void> watch(ClientStream& client, UpstreamStream& upstream, TunnelState& state,
                           const TunnelOptions& options, const SessionCheck& recheck) {
  auto next_check = Clock::now() + options.recheck_period;
  while (state.pumps_running > 0) {
    auto now = Clock::now();
    if (!state.ended) {
      if (std::optional<TunnelEnd> why = overdue(state, options, now)) {
        state.end(*why, client, upstream);
      } else if (now >= next_check) {
        CheckDecision decision = co_await recheck();
        if (!decision.forward) state.end(TunnelEnd::kSessionEnded, client, upstream);
        next_check = Clock::now() + options.recheck_period;
        continue;  // the pumps may have ended meanwhile
      }
    }
    Clock::time_point wake = Clock::time_point::max();
    if (!state.ended) {
      wake = std::min({next_check, now + kStopPoll, state.last_activity + options.idle_timeout,
                       state.half_closed ? state.last_activity + kHalfClosedIdle : wake});
    }
    state.wake.expires_at(wake);
    error_code ignored;
    co_await state.wake.async_wait(awaitInto(ignored));
  }
}

// The client's 101: the upstream's headers, hop-by-hop ones replaced by the
// Connection and Upgrade of the switch, plus `extra`.
http::response<http::empty_body> switchingProtocols(const RelayResult& result,
                                                    const Headers& extra) {
  Headers headers = result.switched_headers;
  std::string protocol = headers.get("Upgrade");
  removeHopByHopHeaders(headers);
  headers.remove("Content-Length");
  for (const Header& header : extra) headers.set(header.name, header.value);
  http::response<http::empty_body> response{http::status::switching_protocols, 11};
  for (const Header& header : headers) {
    if (isSafeHeader(header.name, header.value)) response.insert(header.name, header.value);
  }
  response.set(http::field::connection, "Upgrade");
  if (isSafeHeader("Upgrade", protocol)) response.set(http::field::upgrade, protocol);
  return response;
}

}  // namespace

std::string upgradeProtocol(const Request& request, unsigned version, bool has_body) {
  if (version < 11 || request.method != "GET" || has_body) return "";
  if (!hasConnectionToken(request.headers, "upgrade")) return "";
  const std::string* protocol = request.headers.find("Upgrade");
  if (protocol == nullptr || !isSafeHeader("Upgrade", *protocol)) return "";
  return *protocol;
}

std::chrono::milliseconds recheckPeriod(int64_t cache_ttl_seconds) {
  return std::max(std::chrono::milliseconds(cache_ttl_seconds * 1000),
                  std::chrono::milliseconds(1000));
}

const char* tunnelEndName(TunnelEnd end) {
  switch (end) {
    case TunnelEnd::kClosed:
      return "closed";
    case TunnelEnd::kFailed:
      return "failed";
    case TunnelEnd::kIdle:
      return "idle";
    case TunnelEnd::kSessionEnded:
      return "session_ended";
    case TunnelEnd::kStopping:
      return "stopping";
  }
  return "closed";
}

net::awaitable<TunnelEnd> runTunnel(ClientStream& client, beast::flat_buffer& client_pending,
                                    UpstreamStream& upstream, beast::flat_buffer& upstream_pending,
                                    const TunnelOptions& options, const SessionCheck& recheck) {
  auto executor = co_await net::this_coro::executor;
  TunnelState state(executor);
  auto done = [&state](const std::exception_ptr&) { state.pumpDone(); };
  net::co_spawn(executor, pump(upstream, client, upstream_pending, state), done);
  net::co_spawn(executor, pump(client, upstream, client_pending, state), done);
  co_await watch(client, upstream, state, options, recheck);
  error_code ignored;
  client.close(ignored);
  upstream.close(ignored);
  co_return state.reason;
}

net::awaitable<RelayResult> relayUpgrade(ClientStream& client, Request& forwarded,
                                         const UpgradeRequest& upgrade, UpstreamPool& pool,
                                         const RelayOptions& options, const Headers& extra) {
  forwarded.headers.set("Connection", "Upgrade");
  forwarded.headers.set("Upgrade", upgrade.protocol);
  RelayOptions upgrading = options;
  upgrading.upgrade = true;
  RelayResult result = co_await relay(client, forwarded, nullptr, pool, upgrading, extra);
  if (!result.switched) co_return result;
  result.keep_alive = false;
  http::response<http::empty_body> response = switchingProtocols(result, extra);
  error_code ec;
  client.expires_after(options.client_timeout);
  co_await http::async_write(client, response, awaitInto(ec));
  if (ec) co_return result;  // the client went away
  // From here on the tunnel keeps its own time.
  client.expires_never();
  TunnelEnd end = co_await runTunnel(client, upgrade.client_buffer, result.switched->stream,
                                     result.switched->buffer, upgrade.options, upgrade.recheck);
  upgrade.log.write(end == TunnelEnd::kClosed ? LogLevel::kDebug : LogLevel::kInfo, "tunnel.closed",
                    {{"reason", tunnelEndName(end)},
                     {"upstream", pool.url().authority},
                     {"request_id", upgrade.request_id}});
  result.switched.reset();
  co_return result;
}

}  // namespace barrier::server_detail
