// Waiting for something to happen in a test: poll it against a generous
// deadline, never sleep a fixed time and never assert on how long it took.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace barrier {

// Polls `done` every 10 ms until it holds or `seconds` have passed; its
// last answer.
inline bool eventually(int seconds, const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

// How many times `needle` occurs in `text` (log lines seen so far).
inline size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace barrier
