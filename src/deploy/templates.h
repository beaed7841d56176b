// The CloudFormation templates of the two stacks. The files under deploy/
// are compiled into the binary (src/deploy/embed_templates.cmake), so what
// `barrier deploy` sends is exactly what the cfn-lint test checks.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace barrier {

inline constexpr std::string_view kManagerTemplate = "session-manager.yaml";
inline constexpr std::string_view kCheckerTemplate = "session-checker.yaml";

// The embedded text of deploy/<name>, or "" when there is no such template.
std::string_view embeddedTemplate(std::string_view name);

// Where templates come from: the embedded copies, or a directory (tests use
// one to deploy a variant trimmed to what moto models).
class TemplateSource {
 public:
  // Empty `directory`: the embedded templates.
  explicit TemplateSource(std::string directory = "") : directory_(std::move(directory)) {}
  Result<std::string> load(std::string_view name) const;

 private:
  std::string directory_;
};

// The checker template as deployed: the version resource's logical id gets
// the first 16 hex digits of `code_hash` ("CheckerVersion" ->
// "CheckerVersion0123abcd4567ef89"). A new id makes CloudFormation create a
// new AWS::Lambda::Version, i.e. publish a new numbered version, exactly when
// code or configuration changed; the old one is retained (DeletionPolicy) as
// CloudFront may still run it. Fails when the template has no CheckerVersion.
Result<std::string> renderCheckerTemplate(std::string_view text, std::string_view code_hash);

// The logical id renderCheckerTemplate gives the version for `code_hash`.
std::string checkerVersionLogicalId(std::string_view code_hash);

}  // namespace barrier
