// Helpers for the `barrier deploy` integration tests (deploy_*_test.cpp):
// a moto_server with the AWS environment pointed at it, a sample assembly,
// small fixture packages, a moto-shaped copy of the templates, and a way to
// run the real `barrier` binary and capture its exit code, stdout and stderr.
#pragma once

#include <string>
#include <vector>

#include "tests/integration/support/dynamodb_emulator.h"

namespace barrier::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs BARRIER_BINARY with `args` (each shell-quoted), `env` prepended as
// NAME=value assignments.
CommandResult runBarrier(const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {});

// A scratch directory removed with the object.
class DeployWorkspace {
 public:
  DeployWorkspace();
  ~DeployWorkspace();
  const std::string& dir() const { return dir_; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  void write(const std::string& name, const std::string& text) const;

  // The sample assembly (eu-west-1, buckets per region), plus `extra` lines.
  std::string writeAssembly(const std::string& extra = "") const;
  // manager.zip (a stub bootstrap) and checker/ (a stub handler.mjs).
  void writePackages(
      const std::string& checker_handler = "export const handler = async (e) => e;\n") const;
  // templates/: deploy/*.yaml with the two constructs moto cannot evaluate
  // replaced by literals (moto has no Cognito user-pool client, so
  // !GetAtt UserPoolClient.ClientSecret fails and !Ref UserPoolClient is empty).
  void writeMotoTemplates() const;
  // The deploy arguments using the files above.
  std::vector<std::string> deployArgs(const std::vector<std::string>& more = {}) const;

 private:
  std::string dir_;
};

// AWS environment for the barrier child: moto endpoint, dummy credentials.
std::vector<std::string> motoEnv(const std::string& endpoint);

}  // namespace barrier::testing
