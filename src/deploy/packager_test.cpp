#include "deploy/packager.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "core/config/checker_settings.h"

namespace barrier {
namespace {

// A checker configuration that validates; `ttl` tells two apart.
std::string checkerConfigJson(int ttl) {
  return R"({"site_url": "https://www.example.com",
    "session": {"signing_keys": ["a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s="]},
    "cache": {"ttl": )" +
         std::to_string(ttl) + R"(},
    "provider": {"region": "eu-west-1", "user_pool_id": "eu-west-1_AbCdEf123",
                 "domain": "auth.example.com", "client_id": "client123"},
    "store": {"type": "dynamodb", "table": "sessions", "region": "eu-west-1"}})";
}

// The entries of a zip held in memory, name -> data (empty on any error).
std::map<std::string, std::string> unzip(const std::string& bytes) {
  std::map<std::string, std::string> entries;
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  zip_t* zip = source == nullptr ? nullptr : zip_open_from_source(source, ZIP_RDONLY, &error);
  if (zip == nullptr) {
    if (source != nullptr) zip_source_free(source);
    zip_error_fini(&error);
    return entries;
  }
  for (zip_int64_t i = 0; i < zip_get_num_entries(zip, 0); ++i) {
    auto index = static_cast<zip_uint64_t>(i);
    zip_stat_t stat;
    if (zip_stat_index(zip, index, 0, &stat) != 0) break;
    zip_file_t* file = zip_fopen_index(zip, index, 0);
    if (file == nullptr) break;
    std::string data(stat.size, '\0');
    zip_fread(file, data.data(), data.size());
    zip_fclose(file);
    entries[stat.name] = std::move(data);
  }
  zip_close(zip);
  zip_error_fini(&error);
  return entries;
}

// The same files give the same bytes, whatever order they come in: the
// content hash (and the S3 key) only changes when a file did.
TEST(PackagerTest, ZipsAreDeterministic) {
  auto a = buildZip({{"b.txt", "two"}, {"a.txt", "one"}});
  auto b = buildZip({{"a.txt", "one"}, {"b.txt", "two"}});
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  ASSERT_TRUE(b.isOk());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->substr(0, 2), "PK");
  auto c = buildZip({{"a.txt", "one"}, {"b.txt", "changed"}});
  ASSERT_TRUE(c.isOk());
  EXPECT_NE(*a, *c);
}

// The prebuilt packager adds config.json and the checker.settings derived
// from it to the checker's code, replacing stale copies of both, and the zip
// changes with the configuration.
TEST(PackagerTest, PrebuiltCheckerGetsTheConfigAndSettings) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "barrier-packager-test";
  fs::remove_all(dir);
  fs::create_directories(dir / "checker");
  std::ofstream(dir / "checker" / "handler.mjs") << "export const handler = 1;\n";
  std::ofstream(dir / "checker" / "config.json") << "{\"stale\":true}";
  std::ofstream(dir / "checker" / "checker.settings") << "stale\n";
  std::ofstream(dir / "manager.zip") << "PKmanager";
  auto packager = makePrebuiltPackager((dir / "manager.zip").string(), (dir / "checker").string());
  auto manager = packager->managerZip();
  ASSERT_TRUE(manager.isOk());
  EXPECT_EQ(*manager, "PKmanager");
  auto one = packager->checkerZip(checkerConfigJson(60));
  auto two = packager->checkerZip(checkerConfigJson(120));
  ASSERT_TRUE(one.isOk()) << one.status().toString();
  ASSERT_TRUE(two.isOk());
  EXPECT_NE(*one, *two);
  EXPECT_EQ(*one, *packager->checkerZip(checkerConfigJson(60)));

  auto entries = unzip(*one);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries["handler.mjs"], "export const handler = 1;\n");
  EXPECT_EQ(entries["config.json"], *checkerConfigForZip(checkerConfigJson(60)));
  EXPECT_EQ(entries["config.json"].find("signing_keys"), std::string::npos);
  auto settings = checkerSettingsFromConfigJson(checkerConfigJson(60));
  ASSERT_TRUE(settings.isOk()) << settings.status().toString();
  EXPECT_EQ(entries["checker.settings"], *settings);
  auto decoded = decodeCheckerSettings(entries["checker.settings"]);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
  EXPECT_EQ(decoded->cache.ttl, 60);
  fs::remove_all(dir);
}

// A configuration that does not validate makes no checker zip: the message
// is the configuration's own.
TEST(PackagerTest, PrebuiltCheckerRefusesAnInvalidConfig) {
  auto packager = makePrebuiltPackager("", "/nonexistent/checker");
  auto zip = packager->checkerZip("{\"a\":1}");
  ASSERT_FALSE(zip.isOk());
  EXPECT_NE(zip.status().message().find("config.json: "), std::string::npos)
      << zip.status().message();
}

// A missing manager zip is an error naming the file.
TEST(PackagerTest, MissingInputsAreErrors) {
  auto packager = makePrebuiltPackager("/nonexistent/manager.zip", "/nonexistent/checker");
  auto manager = packager->managerZip();
  ASSERT_FALSE(manager.isOk());
  EXPECT_NE(manager.status().message().find("/nonexistent/manager.zip"), std::string::npos);
  EXPECT_FALSE(packager->checkerZip(checkerConfigJson(60)).isOk());
}

// The first 64 bytes of `path`.
std::string elfHeader(const std::string& path) {
  std::string header(64, '\0');
  std::ifstream(path, std::ios::binary).read(header.data(), 64);
  return header;
}

// An ELF header of a little-endian 64-bit executable for `machine`.
std::string craftedElfHeader(uint16_t machine) {
  std::string header(64, '\0');
  header[0] = '\x7f';
  header.replace(1, 3, "ELF");
  header[4] = 2;  // ELFCLASS64
  header[5] = 1;  // little endian
  header[18] = static_cast<char>(machine & 0xff);
  header[19] = static_cast<char>(machine >> 8);
  return header;
}

// This very test binary, built for the host, is accepted on x86_64 (where
// the project builds what it deploys); an x86_64 header crafted by hand too.
TEST(CheckManagerMachine, AcceptsX86_64) {
#if defined(__x86_64__)
  EXPECT_TRUE(checkManagerMachine(elfHeader("/proc/self/exe"), "barrier").isOk());
#endif
  EXPECT_TRUE(checkManagerMachine(craftedElfHeader(62), "barrier").isOk());
}

// An arm64 build would be zipped and deployed, and Lambda (x86_64) could not
// run it: refused, naming the architecture; so is a file that is not ELF.
TEST(CheckManagerMachine, RefusesArm64AndNonElf) {
  Status arm = checkManagerMachine(craftedElfHeader(183), "/usr/bin/barrier");
  EXPECT_EQ(arm.code(), Code::kInvalidArgument);
  EXPECT_NE(arm.message().find("/usr/bin/barrier is built for arm64"), std::string::npos)
      << arm.message();
  Status script = checkManagerMachine("#!/bin/sh\nexec barrier \"$@\"\n", "wrapper");
  EXPECT_NE(script.message().find("wrapper is not an ELF executable"), std::string::npos)
      << script.message();
}

}  // namespace
}  // namespace barrier
