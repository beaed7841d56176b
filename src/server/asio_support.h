// Internal to src/server: Boost.Asio/Beast aliases and two small coroutine
// helpers. Only src/server/*.cpp include this (Beast is heavy to compile);
// public headers of src/server stay free of Boost.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <type_traits>
#include <utility>

namespace barrier::server_detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using error_code = boost::beast::error_code;

// The completion token of every awaited operation: errors come back in `ec`
// instead of as exceptions (no exceptions on the request path).
inline auto awaitInto(error_code& ec) { return net::redirect_error(net::use_awaitable, ec); }

// Runs `fn` (a blocking call: the identity provider, a remote store) on
// `pool`, then resumes the calling coroutine on its own executor (its
// connection's io_context)
// with the result. The io threads stay free meanwhile.
//
// The initiation is a named object that captures references only, and so
// is trivially destructible. With g++ 12 and Boost 1.74, an initiation
// passed to async_initiate<use_awaitable_t> as a temporary inside a
// coroutine is destroyed once more than it is constructed (seen with a
// counting object; a named one is not). When this lambda was such a
// temporary holding a copy of the executor, every call released the
// connection's strand one time too many: a use-after-free on every
// /_identity/health request under ASan, and a `barrier serve` crash
// (SIGABRT, heap corruption) about once in 150 runs of ServeProcessTest.
// `executor` and `pool` outlive the suspension: the references are safe.
//
// The same bug reaches `fn`, a temporary argument of this coroutine: it too
// may be destroyed once more than it is constructed. A lambda that captured
// a std::shared_ptr by value released it twice (a reloaded Site's gateway
// freed under a running request), so `fn` must capture references only,
// and the compiler checks it.
template <class F>
net::awaitable<std::invoke_result_t<F&>> runBlocking(net::thread_pool& pool, F fn) {
  static_assert(std::is_trivially_destructible_v<F>,
                "runBlocking: capture references only (see above)");
  using R = std::invoke_result_t<F&>;
  auto executor = co_await net::this_coro::executor;
  auto initiation = [&pool, &executor](auto handler, F f) {
    // The tracked executor keeps the io_context running while the pool works.
    auto home = net::prefer(executor, net::execution::outstanding_work.tracked);
    net::post(pool, [handler = std::move(handler), f = std::move(f), home]() mutable {
      R result = f();
      net::post(home, [handler = std::move(handler), result = std::move(result)]() mutable {
        handler(std::move(result));
      });
    });
  };
  static_assert(std::is_trivially_destructible_v<decltype(initiation)>,
                "see above: the initiation may be destroyed twice");
  co_return co_await net::async_initiate<const net::use_awaitable_t<>, void(R)>(
      initiation, net::use_awaitable, std::move(fn));
}

// Awaits `op` (an awaitable yielding error_code) with a deadline on
// `socket`: when the deadline passes first, the socket's operations are
// cancelled and net::error::timed_out is returned. The timer runs on the
// calling coroutine's executor, so it never races the coroutine itself.
template <class Socket>
net::awaitable<error_code> withDeadline(Socket& socket, std::chrono::milliseconds timeout,
                                        net::awaitable<error_code> op) {
  struct State {
    bool done = false;
    bool fired = false;
  };
  auto state = std::make_shared<State>();
  net::steady_timer timer(co_await net::this_coro::executor, timeout);
  timer.async_wait([state, &socket](error_code ec) {
    if (ec || state->done) return;
    state->fired = true;
    error_code ignored;
    socket.cancel(ignored);
  });
  error_code ec = co_await std::move(op);
  state->done = true;
  timer.cancel();
  if (state->fired) ec = net::error::timed_out;
  co_return ec;
}

}  // namespace barrier::server_detail
