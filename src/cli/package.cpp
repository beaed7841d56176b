// `barrier package manager` and `barrier package checker`: the two Lambda
// deployment packages (docs/ARCHITECTURE.md, "Platform constraints").
//
// Both zips are deterministic — entries sorted, fixed timestamps, fixed
// modes — so the same inputs give the same bytes, and the deploy step can
// name the S3 object by its content hash.
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "adapters/yaml_config.h"
#include "cli/command.h"
#include "core/config/checker_settings.h"
#include "core/config/config.h"
#include "deploy/packager.h"

namespace barrier::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr uint64_t kCheckerLimit = 1024 * 1024;  // Lambda@Edge viewer-request zip limit
constexpr uint64_t kCheckerTarget = 100 * 1024;  // what a fast cold start wants

// ---------------------------------------------------------------------------
// Files and processes

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CliError("cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs a shell command and returns its standard output; throws when it fails.
std::string runCommand(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw CliError("cannot run: " + command);
  std::string out;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  int rc = pclose(pipe);
  if (rc != 0) throw CliError("command failed (" + std::to_string(rc) + "): " + command);
  return out;
}

std::string shellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// ---------------------------------------------------------------------------
// Deterministic zip

struct ZipEntry {
  std::string name;  // path inside the zip
  std::string data;
  unsigned mode = 0644;
};

// 2000-01-01 00:00:00 UTC: any fixed time will do; the DOS format cannot
// hold dates before 1980.
constexpr time_t kFixedMtime = 946684800;

// Writes `entries` to `path` (replacing it atomically); returns its size.
uint64_t writeZip(const fs::path& path, std::vector<ZipEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const ZipEntry& a, const ZipEntry& b) { return a.name < b.name; });
  fs::path temp = path;
  temp += ".tmp";
  fs::remove(temp);
  int error = 0;
  zip_t* zip = zip_open(temp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (!zip)
    throw CliError("cannot create " + temp.string() + " (libzip error " + std::to_string(error) +
                   ")");
  auto fail = [&](const std::string& what) {
    std::string message = what + ": " + zip_strerror(zip);
    zip_discard(zip);
    fs::remove(temp);
    throw CliError(message);
  };
  for (const auto& entry : entries) {
    // The buffers stay alive in `entries` until zip_close reads them.
    zip_source_t* source = zip_source_buffer(zip, entry.data.data(), entry.data.size(), 0);
    if (!source) fail("cannot add " + entry.name);
    zip_int64_t index = zip_file_add(zip, entry.name.c_str(), source, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(source);
      fail("cannot add " + entry.name);
    }
    auto i = static_cast<zip_uint64_t>(index);
    // Unix mode in the high half of the external attributes: unzip and
    // Lambda restore it, so bootstrap stays executable.
    zip_uint32_t attributes = static_cast<zip_uint32_t>(S_IFREG | entry.mode) << 16;
    if (zip_set_file_compression(zip, i, ZIP_CM_DEFLATE, 9) != 0 ||
        zip_file_set_mtime(zip, i, kFixedMtime, 0) != 0 ||
        zip_file_set_external_attributes(zip, i, 0, ZIP_OPSYS_UNIX, attributes) != 0) {
      fail("cannot set attributes of " + entry.name);
    }
  }
  if (zip_close(zip) != 0) fail("cannot write " + temp.string());
  fs::rename(temp, path);
  return fs::file_size(path);
}

std::string humanSize(uint64_t bytes) {
  char text[64];
  if (bytes >= 1024 * 1024) {
    std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  } else {
    std::snprintf(text, sizeof text, "%.1f KB", static_cast<double>(bytes) / 1024.0);
  }
  return text;
}

// ---------------------------------------------------------------------------
// Session manager: bootstrap + bin/barrier + lib/

// Amazon Linux keeps its CA bundle elsewhere than Debian; the curl adapter
// honours SSL_CERT_FILE, so the bootstrap points it at whichever exists.
// The binary was built against Debian's glibc, newer than Amazon Linux's:
// it runs under the bundled loader with only the bundled libraries.
constexpr const char* kBootstrap = R"SH(#!/bin/sh
# barrier session manager: entry point of the Lambda custom runtime
# (provided.al2023). Written by `barrier package manager`.
set -e
LAMBDA_TASK_ROOT="${LAMBDA_TASK_ROOT:-$(cd "$(dirname "$0")" && pwd)}"
if [ -z "${SSL_CERT_FILE:-}" ]; then
  for f in /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/certs/ca-certificates.crt; do
    if [ -r "$f" ]; then SSL_CERT_FILE="$f"; export SSL_CERT_FILE; break; fi
  done
fi
exec "$LAMBDA_TASK_ROOT/lib/ld-linux-x86-64.so.2" --library-path "$LAMBDA_TASK_ROOT/lib" \
  "$LAMBDA_TASK_ROOT/bin/barrier" lambda
)SH";

// Libraries glibc loads with dlopen, which ldd cannot see: name resolution
// (nsswitch "files" and "dns") needs these next to libc.
constexpr const char* kDlopenedLibraries[] = {"libnss_dns.so.2", "libnss_files.so.2",
                                              "libresolv.so.2"};

struct SharedLibrary {
  std::string name;  // file name inside lib/ (the soname ldd printed)
  fs::path path;     // where it is on this machine
};

// Parses `ldd` output: "libx.so.1 => /path (0x..)" and the loader line
// "/lib64/ld-linux-x86-64.so.2 (0x..)". The vDSO has no file and is skipped.
std::vector<SharedLibrary> parseLdd(const std::string& output) {
  std::vector<SharedLibrary> libs;
  size_t pos = 0;
  while (pos < output.size()) {
    size_t end = output.find('\n', pos);
    std::string line = output.substr(pos, end == std::string::npos ? end : end - pos);
    pos = end == std::string::npos ? output.size() : end + 1;
    line.erase(0, line.find_first_not_of(" \t"));
    if (line.empty() || line.rfind("linux-vdso", 0) == 0 || line.rfind("statically", 0) == 0) {
      continue;
    }
    if (line.find("not found") != std::string::npos) throw CliError("ldd: " + line);
    size_t arrow = line.find(" => ");
    std::string file = arrow == std::string::npos ? line : line.substr(arrow + 4);
    file = file.substr(0, file.find(" ("));
    if (file.empty() || file[0] != '/') continue;
    std::string name =
        arrow == std::string::npos ? fs::path(file).filename().string() : line.substr(0, arrow);
    libs.push_back({name, file});
  }
  return libs;
}

fs::path selfExecutable() {
  fs::path self = fs::read_symlink("/proc/self/exe");
  if (self.filename().string().rfind("ld-linux", 0) == 0) {
    throw CliError(
        "run the barrier executable directly (not through the dynamic loader) to "
        "package it");
  }
  return self;
}

// The executable without symbols when `strip` is at hand (same input, same
// output, so the zip stays deterministic); otherwise as it is.
std::string strippedExecutable(const fs::path& exe, const fs::path& scratch) {
  if (std::system("command -v strip >/dev/null 2>&1") != 0) return readFile(exe);
  fs::path out = scratch / "barrier.stripped";
  runCommand("strip --strip-unneeded -o " + shellQuote(out.string()) + " " +
             shellQuote(exe.string()));
  std::string data = readFile(out);
  fs::remove(out);
  return data;
}

std::vector<ZipEntry> managerEntries(const fs::path& exe, const fs::path& scratch) {
  std::string header(64, '\0');
  std::ifstream(exe, std::ios::binary)
      .read(header.data(), static_cast<std::streamsize>(header.size()));
  if (Status s = checkManagerMachine(header, exe.string()); !s) throw CliError(s.message());
  std::vector<ZipEntry> entries;
  entries.push_back({"bootstrap", kBootstrap, 0755});
  entries.push_back({"bin/barrier", strippedExecutable(exe, scratch), 0755});
  std::map<std::string, fs::path> libs;  // name -> path; sorted and unique
  fs::path libc_dir;
  for (const auto& lib : parseLdd(runCommand("ldd " + shellQuote(exe.string())))) {
    std::string name = lib.name;
    // Whatever the loader is called here, bootstrap names it ld-linux-x86-64.so.2.
    if (name.rfind("ld-linux", 0) == 0) name = "ld-linux-x86-64.so.2";
    if (name == "libc.so.6") libc_dir = fs::canonical(lib.path).parent_path();
    libs[name] = lib.path;
  }
  if (!libs.count("ld-linux-x86-64.so.2")) throw CliError("ldd did not name the dynamic loader");
  if (libc_dir.empty()) throw CliError("ldd did not name libc.so.6");
  for (const char* name : kDlopenedLibraries) {
    fs::path path = libc_dir / name;
    if (!fs::exists(path)) throw CliError("missing " + path.string() + " (needed for DNS)");
    libs.emplace(name, path);
  }
  for (const auto& [name, path] : libs) {
    entries.push_back({"lib/" + name, readFile(fs::canonical(path)), 0755});
  }
  return entries;
}

void packageManager(const fs::path& out_dir) {
  fs::create_directories(out_dir);
  fs::path exe = selfExecutable();
  auto entries = managerEntries(exe, out_dir);
  size_t count = entries.size();
  fs::path zip = out_dir / "barrier-manager.zip";
  uint64_t size = writeZip(zip, std::move(entries));
  std::printf("%s: %zu files, %llu bytes (%s)\n", zip.c_str(), count,
              static_cast<unsigned long long>(size), humanSize(size).c_str());
}

// ---------------------------------------------------------------------------
// Session checker: handler.mjs + barrier_checker.wasm + config.json +
// checker.settings

// The source tree this executable was built from: the first ancestor of its
// directory holding src/edge (build/<preset>/barrier -> the repository).
fs::path sourceDirGuess() {
  fs::path dir = selfExecutable().parent_path();
  for (int i = 0; i < 4 && !dir.empty(); ++i, dir = dir.parent_path()) {
    if (fs::is_directory(dir / "src" / "edge")) return dir;
    if (dir == dir.parent_path()) break;
  }
  return {};
}

// The whole file (YAML or JSON) as a validated JSON document.
Json loadConfigDocument(const fs::path& file) {
  std::string yaml = readFile(file);
  auto text = yamlConfigToJson(yaml, file.string());
  if (!text) throw CliError(text.status().message());
  Json doc = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    throw CliError(file.string() + ": not a configuration mapping");
  }
  auto config = loadConfigText(yaml, file.string());  // messages with file:line
  if (!config) throw CliError(config.status().message());
  if (config->store.type != StoreConfig::Type::kDynamoDb) {
    throw CliError(file.string() + ": store.type must be dynamodb for the Lambda@Edge checker");
  }
  if (config->store.region.empty()) {
    throw CliError(file.string() +
                   ": store.region is required for the checker (Lambda@Edge "
                   "runs in every region, the table in one)");
  }
  return doc;
}

void packageChecker(const fs::path& config_file, const fs::path& out_dir, fs::path edge_dir,
                    fs::path wasm) {
  fs::path source = sourceDirGuess();
  if (edge_dir.empty() && !source.empty()) edge_dir = source / "src" / "edge";
  if (wasm.empty() && !source.empty()) wasm = source / "build" / "wasm" / "barrier_checker.wasm";
  fs::path handler = edge_dir / "handler.mjs";
  if (edge_dir.empty() || !fs::exists(handler)) {
    throw CliError("handler.mjs not found" +
                   (edge_dir.empty() ? std::string() : " in " + edge_dir.string()) +
                   "; pass --edge-dir DIR (the source tree's src/edge)");
  }
  if (wasm.empty() || !fs::exists(wasm)) {
    throw CliError("barrier_checker.wasm not found" +
                   (wasm.empty() ? std::string() : " at " + wasm.string()) +
                   "; build it with `cmake --preset wasm && cmake --build --preset wasm` or pass "
                   "--wasm PATH");
  }
  std::string config_text = loadConfigDocument(config_file).dump();
  // The module reads checker.settings at cold start (signing keys
  // included); config.json is the same configuration without its secrets,
  // for people and the handler to read.
  auto settings = checkerSettingsFromConfigJson(config_text);
  if (!settings) {
    throw CliError("cannot derive " + std::string(kCheckerSettingsFile) + ": " +
                   settings.status().message());
  }
  auto readable = checkerConfigForZip(config_text);
  if (!readable) throw CliError(readable.status().message());
  std::vector<ZipEntry> entries = {
      {"handler.mjs", readFile(handler), 0644},
      {"barrier_checker.wasm", readFile(wasm), 0644},
      {"config.json", *readable, 0644},
      {std::string(kCheckerSettingsFile), *settings, 0644},
  };
  fs::create_directories(out_dir);
  size_t count = entries.size();
  fs::path zip = out_dir / "barrier-checker.zip";
  uint64_t size = writeZip(zip, std::move(entries));
  if (size > kCheckerLimit) {
    fs::remove(zip);
    throw CliError("barrier-checker.zip is " + humanSize(size) +
                   ", over Lambda@Edge's 1 MB limit for viewer-request functions");
  }
  std::printf("%s: %zu files, %llu bytes (%s)\n", zip.c_str(), count,
              static_cast<unsigned long long>(size), humanSize(size).c_str());
  if (size > kCheckerTarget) {
    std::fprintf(stderr,
                 "barrier: warning: barrier-checker.zip is over 100 KB; cold starts "
                 "load every byte\n");
  }
}

CommandRegistrar reg(
    "package",
    [](CLI::App& app) {
      auto* cmd = app.add_subcommand("package", "Build the AWS Lambda deployment zips");
      cmd->require_subcommand(1);

      auto* manager = cmd->add_subcommand(
          "manager", "Session manager zip (provided.al2023): bootstrap, bin/barrier, lib/");
      auto manager_out = std::make_shared<std::string>();
      manager->add_option("--out", *manager_out, "Output directory")->required();
      manager->callback([manager_out] { packageManager(*manager_out); });

      auto* checker = cmd->add_subcommand(
          "checker",
          "Session checker zip (Lambda@Edge): handler.mjs, wasm, config.json, checker.settings");
      auto config = std::make_shared<std::string>();
      auto checker_out = std::make_shared<std::string>();
      auto edge_dir = std::make_shared<std::string>();
      auto wasm = std::make_shared<std::string>();
      checker->add_option("--config", *config, "Configuration file (barrier.yaml or JSON)")
          ->required();
      checker->add_option("--out", *checker_out, "Output directory")->required();
      checker->add_option("--edge-dir", *edge_dir,
                          "Folder holding handler.mjs (default: the source tree's src/edge)");
      checker->add_option("--wasm", *wasm,
                          "The checker module (default: the source tree's "
                          "build/wasm/barrier_checker.wasm)");
      checker->callback([=] { packageChecker(*config, *checker_out, *edge_dir, *wasm); });
    },
    60);

}  // namespace
}  // namespace barrier::cli
