// Fuzz target for the XML reader used on AWS API answers (src/adapters/xml.h)
// and the STS answer reader on top of it (src/adapters/aws_sts.h). Besides
// "never crash", it checks that writing is stable: a document that parses,
// once written, reads back to something that writes identically; and that
// STS credentials are only ever accepted complete.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "adapters/aws_sts.h"
#include "adapters/xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto sts = barrier::parseStsCredentials(text, "fuzz");
  if (sts.isOk() && (!sts->complete() || sts->session_token.empty())) std::abort();
  auto doc = barrier::parseXml(text);
  if (!doc.isOk()) return 0;
  std::string once = barrier::writeXml(*doc);
  auto again = barrier::parseXml(once);
  if (!again.isOk() || barrier::writeXml(*again) != once) std::abort();
  return 0;
}
