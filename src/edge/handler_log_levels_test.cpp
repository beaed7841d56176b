// The edge handler (handler.mjs) keeps its own copy of the log levels; it
// must be kLogLevelNames (core/ports/log.h), in the same order.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/ports/log.h"

namespace barrier {
namespace {

// The `const kLevels = { name: n, ... };` line of handler.mjs, as names
// ordered by their number; empty when the line is missing.
std::vector<std::string> handlerLevels() {
  std::ifstream in(std::string(BARRIER_SOURCE_DIR) + "/src/edge/handler.mjs");
  std::stringstream text;
  text << in.rdbuf();
  std::smatch line;
  std::string source = text.str();
  if (!std::regex_search(source, line, std::regex(R"(const kLevels = \{([^}]*)\};)"))) return {};
  std::vector<std::string> names;
  std::string body = line[1];
  std::regex entry(R"((\w+): (\d+))");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), entry);
       it != std::sregex_iterator(); ++it) {
    size_t index = std::stoul((*it)[2]);
    if (names.size() <= index) names.resize(index + 1);
    names[index] = (*it)[1];
  }
  return names;
}

// handler.mjs filters its log lines with the same levels, in the same order.
TEST(HandlerLogLevels, MatchTheCoreList) {
  std::vector<std::string> expected(std::begin(kLogLevelNames), std::end(kLogLevelNames));
  EXPECT_EQ(handlerLevels(), expected);
}

}  // namespace
}  // namespace barrier
