// Pure pieces of the deploy: stack parameters, the configuration documents
// baked into the two functions, content-addressed keys, signing-key
// rotation. No I/O here, so each is unit-tested directly.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/ports/random.h"
#include "deploy/assembly.h"
#include "deploy/cloudformation.h"

namespace barrier {

// The outputs of the regional stack the rest of the deploy needs.
struct ManagerOutputs {
  std::string api_domain;   // ApiDomainName: Session Manager Origin Host
  std::string api_path;     // ApiPath: Session Manager Origin Path
  std::string table;        // SessionTable
  std::string table_arn;    // SessionTableArn
  std::string table_region; // SessionTableRegion
  std::string client_id;    // UserPoolClientId
};

// Reads them from DescribeStacks outputs; fails naming a missing output.
Result<ManagerOutputs> managerOutputs(const StackInfo& stack);

// The reference tool's table, printed by deploy and info.
struct BarrierInfo {
  std::string origin_host;  // Session Manager Origin Host
  std::string origin_path;  // Session Manager Origin Path
  std::string checker_arn;  // Session Checker Function Arn (the numbered version)
};
std::string formatInfoTable(const BarrierInfo& info);
// {"SessionManagerOriginHost":..,"SessionManagerOriginPath":..,"SessionCheckerFunctionArn":..}
std::string formatInfoJson(const BarrierInfo& info);

// "<S3Prefix>barrier-<what>-<sha256 hex>.zip": the hash in the key means an
// unchanged package is never uploaded twice and a changed one always gets a
// new key, which is what makes CloudFormation update the function.
std::string contentKey(const Assembly& a, const std::string& what, const std::string& sha256_hex);

// The SSM parameter holding the signing keys.
std::string signingKeyParameter(const Assembly& a);
// A fresh key: 32 random bytes, standard base64.
std::string newSigningKey(Random& random);
// `current` with a new key in front; only the previous signing key is kept
// to verify (sessions signed before it are older than any session lifetime
// worth honouring across two rotations).
std::vector<std::string> rotateSigningKeys(const std::vector<std::string>& current, Random& random);

// BARRIER_CONFIG_JSON for the manager: barrier's optional settings (the
// identity and table come as individual variables from the template).
std::string managerConfigJson(const Assembly& a);

std::vector<StackParameter> managerParameters(const Assembly& a, const std::string& code_bucket,
                                              const std::string& code_key,
                                              const std::vector<std::string>& signing_keys);

// config.json baked into the checker zip (no client secret: the edge never
// talks to the provider; it needs the signing keys to refuse forged ids).
std::string checkerConfigJson(const Assembly& a, const ManagerOutputs& outputs,
                              const std::vector<std::string>& signing_keys);

std::vector<StackParameter> checkerParameters(const std::string& code_bucket, const std::string& code_key,
                                              const std::string& code_hash, const ManagerOutputs& outputs);

// "ApiPath=/prod, SigningKeys=****" — parameters for --dry-run, secrets masked.
std::string describeParameters(const std::vector<StackParameter>& parameters);

}  // namespace barrier
