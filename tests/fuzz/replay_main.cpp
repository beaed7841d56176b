// Replays a libFuzzer corpus without libFuzzer: every file under the given
// directories (or the files given) is passed once to LLVMFuzzerTestOneInput.
// This keeps the fuzz targets honest in the ordinary test run: a crash on a
// corpus entry fails the test.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
int replayFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return 1;
}
}  // namespace

int main(int argc, char** argv) {
  int replayed = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path arg(argv[i]);
    if (std::filesystem::is_directory(arg)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
        if (entry.is_regular_file()) replayed += replayFile(entry.path());
      }
    } else if (std::filesystem::exists(arg)) {
      replayed += replayFile(arg);
    } else {
      std::fprintf(stderr, "replay: %s does not exist\n", argv[i]);
      return 2;
    }
  }
  if (replayed == 0) {
    std::fprintf(stderr, "replay: no corpus files found\n");
    return 2;
  }
  std::printf("replay: %d inputs, no crash\n", replayed);
  return 0;
}
