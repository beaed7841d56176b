#include "deploy/packager.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace barrier {
namespace {

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

// The prebuilt packager adds config.json to the checker's code, replacing
// a stale one, and the zip changes with the configuration.
TEST(PackagerTest, PrebuiltCheckerGetsTheConfig) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "barrier-packager-test";
  fs::remove_all(dir);
  fs::create_directories(dir / "checker");
  std::ofstream(dir / "checker" / "handler.mjs") << "export const handler = 1;\n";
  std::ofstream(dir / "checker" / "config.json") << "{\"stale\":true}";
  std::ofstream(dir / "manager.zip") << "PKmanager";
  auto packager = makePrebuiltPackager((dir / "manager.zip").string(), (dir / "checker").string());
  auto manager = packager->managerZip();
  ASSERT_TRUE(manager.isOk());
  EXPECT_EQ(*manager, "PKmanager");
  auto one = packager->checkerZip("{\"a\":1}");
  auto two = packager->checkerZip("{\"a\":2}");
  ASSERT_TRUE(one.isOk()) << one.status().toString();
  ASSERT_TRUE(two.isOk());
  EXPECT_NE(*one, *two);
  EXPECT_EQ(*one, *packager->checkerZip("{\"a\":1}"));
  fs::remove_all(dir);
}

// A missing manager zip is an error naming the file.
TEST(PackagerTest, MissingInputsAreErrors) {
  auto packager = makePrebuiltPackager("/nonexistent/manager.zip", "/nonexistent/checker");
  auto manager = packager->managerZip();
  ASSERT_FALSE(manager.isOk());
  EXPECT_NE(manager.status().message().find("/nonexistent/manager.zip"), std::string::npos);
  EXPECT_FALSE(packager->checkerZip("{}").isOk());
}

}  // namespace
}  // namespace barrier
