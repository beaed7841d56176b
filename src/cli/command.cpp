#include "cli/command.h"

#include <algorithm>
#include <vector>

namespace barrier::cli {

namespace {
struct Entry {
  const char* name;
  CommandSetup setup;
  int order;
};
// Function-local static: safe against static initialisation order.
std::vector<Entry>& registry() {
  static std::vector<Entry> entries;
  return entries;
}
}  // namespace

CommandRegistrar::CommandRegistrar(const char* name, CommandSetup setup, int order) {
  registry().push_back({name, std::move(setup), order});
}

void setupCommands(CLI::App& app) {
  auto entries = registry();
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.order < b.order; });
  for (auto& e : entries) e.setup(app);
}

}  // namespace barrier::cli
