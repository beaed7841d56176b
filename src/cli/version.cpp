// `barrier version`
#include <cstdio>

#include "cli/command.h"

namespace {
barrier::cli::CommandRegistrar reg(
    "version",
    [](CLI::App& app) {
      auto* cmd = app.add_subcommand("version", "Print barrier's version");
      cmd->callback([] { std::printf("barrier %s\n", BARRIER_VERSION); });
    },
    90);
}  // namespace
