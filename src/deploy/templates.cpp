#include "deploy/templates.h"

#include <fstream>
#include <sstream>

namespace barrier {

namespace {
constexpr std::string_view kVersionId = "CheckerVersion";

bool isIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
}  // namespace

Result<std::string> TemplateSource::load(std::string_view name) const {
  if (directory_.empty()) {
    std::string_view text = embeddedTemplate(name);
    if (text.empty()) return Status::notFound("no embedded template " + std::string(name));
    return std::string(text);
  }
  std::string path = directory_ + "/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::notFound("cannot read template " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string checkerVersionLogicalId(std::string_view code_hash) {
  return std::string(kVersionId) + std::string(code_hash.substr(0, 16));
}

Result<std::string> renderCheckerTemplate(std::string_view text, std::string_view code_hash) {
  if (code_hash.size() < 16) return Status::invalid("code hash too short");
  std::string id = checkerVersionLogicalId(code_hash);
  std::string out;
  size_t replaced = 0;
  size_t pos = 0;
  // Whole-word replacement: "CheckerVersion" but not "CheckerVersionArn".
  while (pos < text.size()) {
    size_t hit = text.find(kVersionId, pos);
    if (hit == std::string_view::npos) break;
    size_t end = hit + kVersionId.size();
    bool word =
        (hit == 0 || !isIdChar(text[hit - 1])) && (end >= text.size() || !isIdChar(text[end]));
    out.append(text.substr(pos, hit - pos));
    out.append(word ? std::string_view(id) : kVersionId);
    replaced += word ? 1 : 0;
    pos = end;
  }
  out.append(text.substr(pos < text.size() ? pos : text.size()));
  if (replaced < 2) return Status::invalid("checker template lacks the CheckerVersion resource");
  return out;
}

}  // namespace barrier
