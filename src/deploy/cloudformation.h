// A small CloudFormation client (query protocol, XML answers) over AwsClient:
// just the calls `barrier deploy`, `info` and `destroy` make.
//
// Not thread-safe on its own: one deploy drives one client.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "adapters/aws_client.h"
#include "adapters/xml.h"
#include "core/status.h"

namespace barrier {

struct StackInfo {
  std::string id;
  std::string name;
  std::string status;  // CREATE_COMPLETE, UPDATE_ROLLBACK_COMPLETE, ...
  std::string status_reason;
  std::string last_updated;  // LastUpdatedTime (or CreationTime), as sent
  std::map<std::string, std::string> outputs;
  std::map<std::string, std::string> parameters;  // NoEcho values come back as ****
};

struct StackEvent {
  std::string id;
  std::string timestamp;
  std::string logical_id;
  std::string resource_type;
  std::string status;
  std::string reason;
};

struct StackParameter {
  std::string key;
  std::string value;
};

struct ResourceChange {
  std::string action;  // Add, Modify, Remove
  std::string logical_id;
  std::string resource_type;
  std::string replacement;  // True, False, Conditional ("" when not applicable)
};

struct ChangeSetInfo {
  std::string id;
  std::string status;  // CREATE_PENDING, CREATE_COMPLETE, FAILED
  std::string status_reason;
  std::string execution_status;  // AVAILABLE, EXECUTE_COMPLETE, ...
  std::vector<ResourceChange> changes;
  // CloudFormation's way of saying "nothing to do": a FAILED change set
  // whose reason says it contains no changes.
  bool empty() const;
};

// Terminal and failed stack states.
bool isStackStable(const std::string& status);   // no *_IN_PROGRESS
bool isStackFailure(const std::string& status);  // *_FAILED, ROLLBACK_*, *_ROLLBACK_COMPLETE

// CloudFormation answers two outcomes with its generic ValidationError and
// names them only in prose. The client reads that prose once, in its call
// layer: "Stack with id X does not exist" becomes Code::kNotFound, and "No
// updates are to be performed" keeps its code and gets this reason.
inline constexpr std::string_view kCloudFormationNoUpdates = "NoUpdatesToPerform";

class CloudFormation {
 public:
  CloudFormation(AwsClient& client, std::string region)
      : client_(client), region_(std::move(region)) {}

  // std::nullopt when the stack does not exist (or was deleted).
  Result<std::optional<StackInfo>> describeStack(const std::string& name);
  // Returns the stack id. Capabilities: CAPABILITY_IAM.
  Result<std::string> createStack(const std::string& name, const std::string& template_body,
                                  const std::vector<StackParameter>& parameters);
  // An UPDATE change set; returns its id. A template and parameters that
  // change nothing may be refused at once: reason kCloudFormationNoUpdates.
  Result<std::string> createChangeSet(const std::string& stack, const std::string& change_set_name,
                                      const std::string& template_body,
                                      const std::vector<StackParameter>& parameters);
  Result<ChangeSetInfo> describeChangeSet(const std::string& id);
  Status executeChangeSet(const std::string& id);
  Status deleteChangeSet(const std::string& id);
  // The most recent events, newest first (the first page: up to 100).
  // Code::kNotFound when the stack does not exist.
  Result<std::vector<StackEvent>> describeStackEvents(const std::string& stack);
  Status deleteStack(const std::string& name);
  // Physical id of one resource of the stack ("" when unknown).
  Result<std::string> physicalResourceId(const std::string& stack, const std::string& logical_id);

  const std::string& region() const { return region_; }

 private:
  Result<XmlElement> call(const std::string& action,
                          std::vector<std::pair<std::string, std::string>> params);

  AwsClient& client_;
  std::string region_;
};

// One wait for a stack operation to end. CloudFormation may answer the state
// from before the operation for a while after ExecuteChangeSet or DeleteStack,
// so a wait ends only on a stable state of this operation: CREATE_* or
// ROLLBACK_* for a creation; UPDATE_* once the executed change set is
// EXECUTE_COMPLETE or EXECUTE_FAILED for an update; DELETE_* or a stack gone
// for a deletion (wait on the stack id: it keeps answering DELETE_COMPLETE).
enum class StackOperation { kCreate, kUpdate, kDelete };

struct StackWait {
  std::string name;   // for the progress lines
  std::string stack;  // name or id, for the calls
  StackOperation operation = StackOperation::kCreate;
  std::string change_set;             // kUpdate: the executed change set's id
  std::set<std::string> seen_events;  // events from before the operation
  int poll_ms = 5000;
};

// Prints the operation's events through `say` as they come. Code::kNotFound
// when a stack being created or updated disappears; a deleted stack is ok.
Status waitForStack(CloudFormation& cf, const StackWait& wait,
                    const std::function<void(int ms)>& sleep,
                    const std::function<void(const std::string&)>& say);

}  // namespace barrier
