#include "deploy/cloudformation.h"

#include "core/http/percent.h"

namespace barrier {

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

void addParameters(Params& p, const std::vector<StackParameter>& parameters) {
  for (size_t i = 0; i < parameters.size(); ++i) {
    std::string prefix = "Parameters.member." + std::to_string(i + 1) + ".";
    p.emplace_back(prefix + "ParameterKey", parameters[i].key);
    p.emplace_back(prefix + "ParameterValue", parameters[i].value);
  }
}

StackInfo readStack(const XmlElement& m) {
  StackInfo s;
  s.id = m.childText("StackId");
  s.name = m.childText("StackName");
  s.status = m.childText("StackStatus");
  s.status_reason = m.childText("StackStatusReason");
  s.last_updated = m.childText("LastUpdatedTime");
  if (s.last_updated.empty()) s.last_updated = m.childText("CreationTime");
  if (const XmlElement* outputs = m.child("Outputs")) {
    for (const XmlElement* o : outputs->childrenNamed("member")) {
      s.outputs[o->childText("OutputKey")] = o->childText("OutputValue");
    }
  }
  if (const XmlElement* params = m.child("Parameters")) {
    for (const XmlElement* p : params->childrenNamed("member")) {
      s.parameters[p->childText("ParameterKey")] = p->childText("ParameterValue");
    }
  }
  return s;
}

// The one reading of a ValidationError's prose (see kCloudFormationNoUpdates).
Status interpretError(const Status& status) {
  if (!status.hasReason("ValidationError")) return status;
  auto says = [&](std::string_view words) {
    return status.message().find(words) != std::string::npos;
  };
  if (says("does not exist")) return Status(Code::kNotFound, status.message(), status.reason());
  if (says("No updates are to be performed")) {
    return Status(status.code(), status.message(), std::string(kCloudFormationNoUpdates));
  }
  return status;
}

bool endsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool ChangeSetInfo::empty() const {
  return status == "FAILED" &&
         (status_reason.find("didn't contain changes") != std::string::npos ||
          status_reason.find("No updates are to be performed") != std::string::npos);
}

bool isStackStable(const std::string& status) { return !endsWith(status, "_IN_PROGRESS"); }

bool isStackFailure(const std::string& status) {
  return endsWith(status, "_FAILED") || status.rfind("ROLLBACK_", 0) == 0 ||
         endsWith(status, "ROLLBACK_COMPLETE");
}

Result<XmlElement> CloudFormation::call(const std::string& action, Params params) {
  std::string body = "Action=" + action + "&Version=2010-05-15";
  for (const auto& [k, v] : params) {
    body += '&';
    body += percentEncode(k);
    body += '=';
    body += percentEncode(v);
  }
  AwsRequest r;
  r.service = "cloudformation";
  r.region = region_;
  r.headers.add("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  r.body = std::move(body);
  r.attempt_timeout_ms = 30000;
  std::string context = "cloudformation ";
  context += action;
  auto resp = client_.sendOk(r, context);
  if (!resp) return interpretError(resp.status());
  auto doc = parseXml(resp->body);
  if (!doc) {
    context += ": unreadable answer: ";
    context += doc.status().message();
    return Status::unavailable(context);
  }
  return std::move(doc).value();
}

Result<std::optional<StackInfo>> CloudFormation::describeStack(const std::string& name) {
  auto doc = call("DescribeStacks", {{"StackName", name}});
  if (!doc) {
    if (doc.status().code() == Code::kNotFound) return std::optional<StackInfo>();
    return doc.status();
  }
  const XmlElement* member = doc->find({"DescribeStacksResult", "Stacks", "member"});
  if (member == nullptr) return std::optional<StackInfo>();
  StackInfo s = readStack(*member);
  if (s.status == "DELETE_COMPLETE") return std::optional<StackInfo>();
  return std::optional<StackInfo>(std::move(s));
}

Result<std::string> CloudFormation::createStack(const std::string& name,
                                                const std::string& template_body,
                                                const std::vector<StackParameter>& parameters) {
  Params p = {{"StackName", name},
              {"TemplateBody", template_body},
              {"Capabilities.member.1", "CAPABILITY_IAM"},
              {"Tags.member.1.Key", "barrier:stack"},
              {"Tags.member.1.Value", name}};
  addParameters(p, parameters);
  auto doc = call("CreateStack", std::move(p));
  if (!doc) return doc.status();
  return doc->find({"CreateStackResult", "StackId"})
             ? doc->find({"CreateStackResult", "StackId"})->text
             : name;
}

Result<std::string> CloudFormation::createChangeSet(const std::string& stack,
                                                    const std::string& change_set_name,
                                                    const std::string& template_body,
                                                    const std::vector<StackParameter>& parameters) {
  Params p = {{"StackName", stack},
              {"ChangeSetName", change_set_name},
              {"ChangeSetType", "UPDATE"},
              {"TemplateBody", template_body},
              {"Capabilities.member.1", "CAPABILITY_IAM"},
              {"Tags.member.1.Key", "barrier:stack"},
              {"Tags.member.1.Value", stack}};
  addParameters(p, parameters);
  auto doc = call("CreateChangeSet", std::move(p));
  if (!doc) return doc.status();
  const XmlElement* id = doc->find({"CreateChangeSetResult", "Id"});
  if (id == nullptr)
    return Status::unavailable("cloudformation CreateChangeSet: answer without Id");
  return id->text;
}

Result<ChangeSetInfo> CloudFormation::describeChangeSet(const std::string& id) {
  auto doc = call("DescribeChangeSet", {{"ChangeSetName", id}});
  if (!doc) return doc.status();
  const XmlElement* r = doc->child("DescribeChangeSetResult");
  if (r == nullptr)
    return Status::unavailable("cloudformation DescribeChangeSet: answer without result");
  ChangeSetInfo info;
  info.id = r->childText("ChangeSetId");
  info.status = r->childText("Status");
  info.status_reason = r->childText("StatusReason");
  info.execution_status = r->childText("ExecutionStatus");
  if (const XmlElement* changes = r->child("Changes")) {
    for (const XmlElement* m : changes->childrenNamed("member")) {
      const XmlElement* rc = m->child("ResourceChange");
      if (rc == nullptr) continue;
      info.changes.push_back({rc->childText("Action"), rc->childText("LogicalResourceId"),
                              rc->childText("ResourceType"), rc->childText("Replacement")});
    }
  }
  return info;
}

Status CloudFormation::executeChangeSet(const std::string& id) {
  auto doc = call("ExecuteChangeSet", {{"ChangeSetName", id}});
  return doc ? Status::ok() : doc.status();
}

Status CloudFormation::deleteChangeSet(const std::string& id) {
  auto doc = call("DeleteChangeSet", {{"ChangeSetName", id}});
  return doc ? Status::ok() : doc.status();
}

Result<std::vector<StackEvent>> CloudFormation::describeStackEvents(const std::string& stack) {
  auto doc = call("DescribeStackEvents", {{"StackName", stack}});
  if (!doc) return doc.status();
  std::vector<StackEvent> events;
  const XmlElement* list = doc->find({"DescribeStackEventsResult", "StackEvents"});
  if (list == nullptr) return events;
  for (const XmlElement* m : list->childrenNamed("member")) {
    events.push_back({m->childText("EventId"), m->childText("Timestamp"),
                      m->childText("LogicalResourceId"), m->childText("ResourceType"),
                      m->childText("ResourceStatus"), m->childText("ResourceStatusReason")});
  }
  return events;
}

Status CloudFormation::deleteStack(const std::string& name) {
  auto doc = call("DeleteStack", {{"StackName", name}});
  return doc ? Status::ok() : doc.status();
}

Result<std::string> CloudFormation::physicalResourceId(const std::string& stack,
                                                       const std::string& logical_id) {
  auto doc =
      call("DescribeStackResource", {{"StackName", stack}, {"LogicalResourceId", logical_id}});
  if (!doc) return doc.status();
  const XmlElement* d = doc->find({"DescribeStackResourceResult", "StackResourceDetail"});
  return d == nullptr ? std::string() : d->childText("PhysicalResourceId");
}

namespace {

// The failed resources among the events not seen before the operation.
std::string failureSummary(const std::vector<StackEvent>& events,
                           const std::set<std::string>& seen) {
  std::string out;
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (seen.count(it->id) || !endsWith(it->status, "FAILED")) continue;
    out += "\n  " + it->logical_id + " (" + it->resource_type + "): " + it->status + ": " +
           (it->reason.empty() ? std::string("no reason given") : it->reason);
  }
  return out;
}

// Whether a stable `status` is the end of `operation` (and not the state
// CloudFormation still shows from before it).
bool endsOperation(StackOperation operation, const std::string& status) {
  auto startsWith = [&](std::string_view prefix) { return status.rfind(prefix, 0) == 0; };
  switch (operation) {
    case StackOperation::kCreate:
      return startsWith("CREATE_") || startsWith("ROLLBACK_");
    case StackOperation::kUpdate:
      return startsWith("UPDATE_");
    case StackOperation::kDelete:
      return startsWith("DELETE_");
  }
  return false;
}

}  // namespace

Status waitForStack(CloudFormation& cf, const StackWait& wait,
                    const std::function<void(int ms)>& sleep,
                    const std::function<void(const std::string&)>& say) {
  const std::string& name = wait.name;
  std::set<std::string> printed = wait.seen_events;
  say("stack " + name + ": waiting for CloudFormation");
  for (;;) {
    auto events = cf.describeStackEvents(wait.stack);
    if (!events && events.status().code() == Code::kNotFound) {
      if (wait.operation == StackOperation::kDelete) return Status::ok();
      return Status::notFound("stack " + name + " does not exist");
    }
    if (!events) return events.status();
    // Events come newest first; print the unseen ones oldest first.
    for (auto it = events->rbegin(); it != events->rend(); ++it) {
      if (!printed.insert(it->id).second) continue;
      std::string line = "  " + name + " " + it->logical_id + " " + it->status;
      if (!it->reason.empty()) line += ": " + it->reason;
      say(line);
    }
    bool executed = true;
    if (wait.operation == StackOperation::kUpdate) {
      auto change_set = cf.describeChangeSet(wait.change_set);
      if (!change_set) return change_set.status();
      executed = change_set->execution_status == "EXECUTE_COMPLETE" ||
                 change_set->execution_status == "EXECUTE_FAILED";
    }
    auto stack = cf.describeStack(wait.stack);
    if (!stack) return stack.status();
    if (!stack->has_value()) {
      if (wait.operation == StackOperation::kDelete) return Status::ok();
      return Status::notFound("stack " + name +
                              " disappeared while waiting (creation failed and was rolled back?)" +
                              failureSummary(*events, wait.seen_events));
    }
    const StackInfo& s = **stack;
    if (executed && isStackStable(s.status) && endsOperation(wait.operation, s.status)) {
      if (isStackFailure(s.status)) {
        std::string reasons = failureSummary(*events, wait.seen_events);
        return Status::unavailable("stack " + name + " ended in " + s.status +
                                   (s.status_reason.empty() ? "" : ": ") + s.status_reason +
                                   (reasons.empty() ? "" : "; failing resources:") + reasons);
      }
      say("stack " + name + ": " + s.status);
      return Status::ok();
    }
    sleep(wait.poll_ms);
  }
}

}  // namespace barrier
