// barrier: one program, many subcommands (see `barrier --help`).
#include <cstdio>
#include <exception>

#include "cli/command.h"

int main(int argc, char** argv) {
  CLI::App app{"barrier: a login barrier for websites (OpenID Connect / Amazon Cognito)",
               "barrier"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  barrier::cli::setupCommands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const barrier::cli::CliError& e) {
    std::fprintf(stderr, "barrier: %s\n", e.what());
    return e.exitCode();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "barrier: %s\n", e.what());
    return 1;
  }
  return 0;
}
