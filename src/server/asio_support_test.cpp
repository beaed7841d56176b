// runBlocking, the server's hand-off of blocking calls to a thread pool.
// CI runs this under AddressSanitizer: before its initiation captured the
// executor by reference, g++ 12 with Boost 1.74 destroyed that copy one time
// too many, and the strand was freed while the connection still used it.
#include "server/asio_support.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace barrier::server_detail {
namespace {

// A connection-like coroutine on its own strand (as `barrier serve` runs
// each connection) makes several blocking calls: each runs on the pool and
// resumes on the strand with its result; the strand outlives them all.
TEST(RunBlocking, ResumesOnItsStrandWithTheResult) {
  net::io_context ioc(1);
  net::thread_pool pool(1);
  auto strand = net::make_strand(ioc);
  std::thread::id io_thread;
  std::vector<std::string> results;
  bool on_strand = true;
  bool off_io_thread = true;
  auto connection = [&]() -> net::awaitable<void> {
    for (int i = 0; i < 3; ++i) {
      std::string r = co_await runBlocking(pool, [&, i] {
        off_io_thread = off_io_thread && std::this_thread::get_id() != io_thread;
        return "call " + std::to_string(i);
      });
      on_strand = on_strand && strand.running_in_this_thread();
      results.push_back(std::move(r));
    }
  };
  net::co_spawn(net::any_io_executor(strand), connection(), net::detached);
  io_thread = std::this_thread::get_id();
  ioc.run();
  pool.join();
  EXPECT_EQ(results, (std::vector<std::string>{"call 0", "call 1", "call 2"}));
  EXPECT_TRUE(on_strand);
  EXPECT_TRUE(off_io_thread);
}

}  // namespace
}  // namespace barrier::server_detail
