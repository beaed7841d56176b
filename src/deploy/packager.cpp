#include "deploy/packager.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/config/checker_settings.h"

namespace barrier {

namespace {

namespace fs = std::filesystem;

// The same fixed time `barrier package` uses (DOS dates start in 1980).
constexpr time_t kFixedMtime = 946684800;

Result<std::string> readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::notFound("cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string shellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  out += '\'';
  return out;
}

// A private scratch directory, removed when the guard goes.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "barrier-deploy-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Runs a command, its output going to our stderr (progress, not result).
Status run(const std::string& command) {
  std::string redirected = command + " 1>&2";
  int rc = std::system(redirected.c_str());
  if (rc != 0)
    return Status::internal("packaging failed (exit " + std::to_string(rc) + "): " + command);
  return Status::ok();
}

class CommandPackager : public Packager {
 public:
  explicit CommandPackager(CommandPackagerOptions options) : options_(std::move(options)) {}

  Result<std::string> managerZip() override {
    ScratchDir dir;
    if (dir.path().empty()) return Status::internal("cannot create a scratch directory");
    Status s = run(shellQuote(options_.barrier_binary) + " package manager --out " +
                   shellQuote(dir.path().string()));
    if (!s) return s;
    return readFile(dir.path() / "barrier-manager.zip");
  }

  Result<std::string> checkerZip(const std::string& config_json) override {
    ScratchDir dir;
    if (dir.path().empty()) return Status::internal("cannot create a scratch directory");
    fs::path config = dir.path() / "checker-config.json";
    {
      // Holds signing keys: readable by this user only.
      std::ofstream out(config, std::ios::binary);
      out << config_json;
    }
    fs::permissions(config, fs::perms::owner_read | fs::perms::owner_write);
    std::string command = shellQuote(options_.barrier_binary) + " package checker --config " +
                          shellQuote(config.string()) + " --out " +
                          shellQuote((dir.path() / "out").string());
    if (!options_.edge_dir.empty()) command += " --edge-dir " + shellQuote(options_.edge_dir);
    if (!options_.wasm.empty()) command += " --wasm " + shellQuote(options_.wasm);
    Status s = run(command);
    if (!s) return s;
    return readFile(dir.path() / "out" / "barrier-checker.zip");
  }

 private:
  CommandPackagerOptions options_;
};

class PrebuiltPackager : public Packager {
 public:
  PrebuiltPackager(std::string manager_zip, std::string checker_code_dir)
      : manager_zip_(std::move(manager_zip)), checker_code_dir_(std::move(checker_code_dir)) {}

  Result<std::string> managerZip() override { return readFile(manager_zip_); }

  Result<std::string> checkerZip(const std::string& config_json) override {
    // The module reads checker.settings, derived here from the same
    // document; a stale copy of either in the code folder is left out.
    auto settings = checkerSettingsFromConfigJson(config_json);
    if (!settings) return settings.status();
    std::vector<ZipFile> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(checker_code_dir_, ec)) {
      std::string name = entry.path().filename().string();
      if (!entry.is_regular_file() || name == "config.json" || name == kCheckerSettingsFile) {
        continue;
      }
      auto data = readFile(entry.path());
      if (!data) return data.status();
      files.push_back({std::move(name), std::move(data).value()});
    }
    if (ec) return Status::notFound("cannot list " + checker_code_dir_ + ": " + ec.message());
    auto readable = checkerConfigForZip(config_json);
    if (!readable) return readable.status();
    files.push_back({"config.json", std::move(readable).value()});
    files.push_back({std::string(kCheckerSettingsFile), std::move(settings).value()});
    return buildZip(std::move(files));
  }

 private:
  std::string manager_zip_;
  std::string checker_code_dir_;
};

}  // namespace

std::unique_ptr<Packager> makeCommandPackager(CommandPackagerOptions options) {
  return std::make_unique<CommandPackager>(std::move(options));
}

std::unique_ptr<Packager> makePrebuiltPackager(std::string manager_zip,
                                               std::string checker_code_dir) {
  return std::make_unique<PrebuiltPackager>(std::move(manager_zip), std::move(checker_code_dir));
}

Status checkManagerMachine(std::string_view header, const std::string& path) {
  // ELF: "\x7fELF", EI_DATA at byte 5 (1: little endian, 2: big), e_machine
  // a 16-bit field at byte 18.
  constexpr uint16_t kX86_64 = 62, kAarch64 = 183;
  if (header.size() < 20 || header[0] != '\x7f' || header.substr(1, 3) != "ELF") {
    return Status::invalid(path +
                           " is not an ELF executable; the session manager runs it on "
                           "Lambda (provided.al2023, x86_64)");
  }
  auto byte = [&](size_t i) {
    return static_cast<uint16_t>(static_cast<unsigned char>(header[i]));
  };
  auto machine = static_cast<uint16_t>(header[5] == 2 ? (byte(18) << 8 | byte(19))
                                                      : (byte(19) << 8 | byte(18)));
  if (machine == kX86_64) return Status::ok();
  std::string name =
      machine == kAarch64 ? "arm64 (aarch64)" : "ELF machine " + std::to_string(machine);
  return Status::invalid(path + " is built for " + name +
                         ", but the session manager runs on x86_64 Lambda (the template's "
                         "Architectures and the loader bootstrap starts); package it with an "
                         "x86_64 build of barrier");
}

Result<std::string> buildZip(std::vector<ZipFile> files) {
  std::sort(files.begin(), files.end(),
            [](const ZipFile& a, const ZipFile& b) { return a.name < b.name; });
  ScratchDir dir;
  if (dir.path().empty()) return Status::internal("cannot create a scratch directory");
  fs::path path = dir.path() / "package.zip";
  int error = 0;
  zip_t* zip = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (zip == nullptr)
    return Status::internal("cannot create a zip (libzip error " + std::to_string(error) + ")");
  for (const auto& f : files) {
    zip_source_t* source = zip_source_buffer(zip, f.data.data(), f.data.size(), 0);
    zip_int64_t index =
        source == nullptr ? -1 : zip_file_add(zip, f.name.c_str(), source, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      if (source != nullptr) zip_source_free(source);
      zip_discard(zip);
      return Status::internal("cannot add " + f.name + " to the zip");
    }
    auto i = static_cast<zip_uint64_t>(index);
    zip_uint32_t attributes = static_cast<zip_uint32_t>(S_IFREG | 0644) << 16;
    if (zip_set_file_compression(zip, i, ZIP_CM_DEFLATE, 9) != 0 ||
        zip_file_set_mtime(zip, i, kFixedMtime, 0) != 0 ||
        zip_file_set_external_attributes(zip, i, 0, ZIP_OPSYS_UNIX, attributes) != 0) {
      zip_discard(zip);
      return Status::internal("cannot set attributes of " + f.name);
    }
  }
  if (zip_close(zip) != 0) {
    zip_discard(zip);
    return Status::internal("cannot write the zip");
  }
  return readFile(path);
}

}  // namespace barrier
