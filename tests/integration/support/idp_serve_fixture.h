// A test of the `barrier serve` program signing in at the local identity
// provider (tests/idp on oidc-provider): the provider is started first (a
// test without node or oidc-provider is skipped, saying so), then the
// program on a barrier.yaml naming it. Everything is stopped and the
// temporary directory removed after each test.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "idp_process.h"
#include "serve_program.h"

namespace barrier::testing {

class IdpServeTest : public ::testing::Test {
 protected:
  // Starts the provider with `options` and makes the test's directory
  // (`dir_prefix`XXXXXX) with an empty site/ in it, for the test to fill.
  void startIdp(const IdpOptions& options, const std::string& dir_prefix);
  // Writes barrier.yaml: serveConfigHead() for the provider (with
  // `provider_extra` lines and `site_url`), a memory store, `rest` (YAML),
  // and one static origin serving site/; then starts `barrier serve` with
  // `extra_args`.
  void startServe(const std::string& provider_extra, const std::string& rest = "",
                  const std::string& site_url = "http://127.0.0.1",
                  const std::vector<std::string>& extra_args = {});
  void TearDown() override;

  std::string siteDir() const { return dir_ + "/site"; }

  std::unique_ptr<IdpProcess> idp_;
  std::string dir_;
  std::unique_ptr<ServeProgram> serve_;
};

}  // namespace barrier::testing
