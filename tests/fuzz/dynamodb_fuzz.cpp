// libFuzzer target: every parser of DynamoDB answers (GetItem, DeleteItem,
// Query, Scan, BatchWriteItem, DescribeTable) and of AWS error bodies. These
// read bytes from the network, so no input may crash them, and no input may
// produce a record without a key or of an unknown kind.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/aws/aws_error.h"
#include "core/aws/dynamodb_codec.h"

namespace {

void checkRecord(const barrier::SessionRecord& r) {
  // decodeItem promises a key and one of the two kinds; anything else is a bug.
  if (r.key.empty()) std::abort();
  if (r.kind != barrier::RecordKind::kSession && r.kind != barrier::RecordKind::kLogin) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  for (int status : {200, 400, 500}) {
    auto get = barrier::parseGetItemResponse(status, body);
    if (get.isOk() && get->has_value()) checkRecord(**get);
    if (status != 200 && get.isOk()) std::abort();  // an error answer is never "absent"
  }
  auto del = barrier::parseDeleteItemBody(body);
  if (del.isOk() && del->has_value()) checkRecord(**del);
  auto keys = barrier::parseQueryKeysBody(body);
  if (keys.isOk()) {
    for (const auto& k : keys->keys) {
      if (k.empty()) std::abort();
    }
  }
  auto scan = barrier::parseScanBody(body);
  if (scan.isOk()) {
    for (const auto& r : scan->records) checkRecord(r);
  }
  (void)barrier::parseBatchWriteUnprocessed(body, "barrier-sessions");
  (void)barrier::parseTableStatus(body);
  barrier::AwsError error = barrier::parseAwsError(400, barrier::Headers{}, body);
  (void)barrier::awsErrorStatus(error, "fuzz");
  return 0;
}
