// Subcommand registry. Each src/cli/<name>.cpp defines one or more
// subcommands and registers them with a file-level CommandRegistrar, so adding
// a command never touches main.cpp:
//
//   static CommandRegistrar reg("version", [](CLI::App& app) {
//     auto* cmd = app.add_subcommand("version", "Print the version");
//     cmd->callback([] { ... });  // may throw CliError for a clean exit code
//   });
//
// Exceptions are allowed here (and only here, at the boundary): a CliError
// carries the message and exit code to main().
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <stdexcept>
#include <string>

namespace barrier::cli {

// A failure the user can act on; main prints "barrier: <message>" and exits.
class CliError : public std::runtime_error {
 public:
  explicit CliError(const std::string& message, int exit_code = 1)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exitCode() const { return exit_code_; }

 private:
  int exit_code_;
};

using CommandSetup = std::function<void(CLI::App&)>;

struct CommandRegistrar {
  // `order` sorts --help output (lower first).
  CommandRegistrar(const char* name, CommandSetup setup, int order = 50);
};

// Called by main(): adds every registered subcommand to `app`.
void setupCommands(CLI::App& app);

}  // namespace barrier::cli
