// Packaging behind an interface: the deploy asks for the two zips and does
// not care how they are made.
//  - CommandPackager runs this very binary's `barrier package manager` and
//    `barrier package checker` (src/cli/package.cpp: deterministic zips).
//  - PrebuiltPackager takes a manager zip and a folder with the checker's
//    code (handler.mjs, barrier_checker.wasm) and adds config.json and
//    checker.settings (derived from it) itself — for CI that builds
//    packages separately, and for tests.
// Both are deterministic: the same inputs give the same bytes, so the
// content hash (and the S3 key) only changes when something did.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace barrier {

class Packager {
 public:
  virtual ~Packager() = default;
  // The session manager zip (provided.al2023), as bytes.
  virtual Result<std::string> managerZip() = 0;
  // The checker zip with `config_json` baked in as config.json and, derived
  // from it, checker.settings (core/config/checker_settings.h). Fails with
  // the configuration's message when `config_json` does not validate.
  virtual Result<std::string> checkerZip(const std::string& config_json) = 0;
};

struct CommandPackagerOptions {
  std::string barrier_binary;  // the executable to run (normally /proc/self/exe)
  std::string edge_dir;        // --edge-dir for `package checker` ("" = its default)
  std::string wasm;            // --wasm for `package checker` ("" = its default)
};
std::unique_ptr<Packager> makeCommandPackager(CommandPackagerOptions options);

// `checker_code_dir` files (not recursing) go in the zip beside config.json
// and checker.settings (stale copies of those two in the folder are skipped).
std::unique_ptr<Packager> makePrebuiltPackager(std::string manager_zip,
                                               std::string checker_code_dir);

// The manager runs on Lambda's x86_64 (the template's Architectures, and the
// loader its bootstrap names): refuses an executable whose ELF header
// (`header`: at least the first 20 bytes of `path`) names another machine,
// e.g. an arm64 build, which Lambda would fail to start at the first request.
Status checkManagerMachine(std::string_view header, const std::string& path);

struct ZipFile {
  std::string name;
  std::string data;
};
// A deterministic zip (sorted names, fixed time and modes, deflate 9) as bytes.
Result<std::string> buildZip(std::vector<ZipFile> files);

}  // namespace barrier
