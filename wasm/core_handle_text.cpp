// The hot calls' text path (issue 15): requests arrive as UTF-8 bytes JS wrote into in_ with
// TextEncoder.encodeInto, answers leave as bytes JS reads in place from out_ with TextDecoder.
// embind's std::string glue measures every string and copies it character by character each way
// (~30 % of a W1 write); here each call moves numbers only. And a local write whose new view JS
// can make itself (the request applied to the view it holds) does not carry that view back.
#include <cmath>
#include <string_view>
#include <utility>

#include "core_handle.hpp"
#include "wire/commit_text.hpp"
#include "wire/envelope.hpp"
#include "wire/json_fast.hpp"
#include "wire/local_write_numbers.hpp"
#include "wire/mutation_request_text.hpp"

namespace syncore {

namespace {

Status wrongType(std::string message) { return Status::error(ErrorCode::WrongType, std::move(message)); }

// A commit's entry for a collection named by a view (the commit's maps compare std::strings
// only); a commit names few collections, so a walk costs less than a string to search with.
template <typename Map>
auto findNamed(Map& map, std::string_view name) {
  auto it = map.begin();
  while (it != map.end() && it->first != name) ++it;
  return it;
}

// The wasm address of a pointer (wasm32: fits 32 bits).
std::uint32_t address(const void* p) { return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(p)); }

// Whether the commit of a successful mutate left the entity's view exactly as the request
// applied to the view before it (RFC 7386 for an update's patch, the data with its id for a
// create, nothing for a delete). True when the mutation went into the log and nothing else moved
// that entity in this commit: no other settled, cancelled, dead-lettered or parked mutation (each
// would be an event), no rename, and the entity changed in the way the op says.
bool viewFollowsRequest(std::string_view kind, std::string_view collection, bool byPatch, const Commit& commit) {
  if (!commit.renamed.empty()) return false;
  for (const Event& e : commit.events)
    if (e.type != EventType::Queued) return false;
  if (kind == "update") {
    if (!byPatch) return false;  // an update by data: JS does not diff
  } else if (kind != "create" && kind != "delete") {
    return false;
  }
  const auto changed = findNamed(commit.changes.collections, collection);
  if (changed == commit.changes.collections.end()) return false;
  const CollectionChanges& c = changed->second;
  const std::size_t n = c.created.size() + c.updated.size() + c.deleted.size();
  if (n != 1) return false;
  if (kind == "create") return c.created.size() == 1;
  if (kind == "delete") return c.deleted.size() == 1;
  return c.updated.size() == 1;
}

}  // namespace

double CoreHandle::ioAddress() const { return address(&io_); }

void CoreHandle::reserveInput(double bytes) {
  if (!(bytes > 0) || !std::isfinite(bytes) || bytes > 4294967295.0) return;  // JS checks the size first
  const auto want = static_cast<std::size_t>(bytes);
  if (want > in_.size()) in_.resize(want);
  io_.inPtr = address(in_.data());
  io_.inCap = static_cast<std::uint32_t>(in_.size());
}

void CoreHandle::trimBuffers() {
  std::string().swap(out_);
  std::string().swap(in_);
  io_ = Io{};
}

bool CoreHandle::readInput(double bytes, std::string_view& text) {
  if (!(bytes >= 0) || bytes > static_cast<double>(in_.size()) || bytes != std::floor(bytes)) return false;
  text = std::string_view(in_.data(), static_cast<std::size_t>(bytes));
  return true;
}

double CoreHandle::answerIn(std::string text) {
  out_ = std::move(text);
  return answerOut();
}

double CoreHandle::answerOut() {
  io_.outPtr = address(out_.data());
  io_.outLen = static_cast<std::uint32_t>(out_.size());
  return static_cast<double>(out_.size());
}

double CoreHandle::mutateIn(double bytes, double nowMs, int flags) {
  std::string_view text;
  if (!readInput(bytes, text)) return answerIn(envelopeError(wrongType("the request is not in the input buffer")));
  std::int64_t now = 0;
  if (Status s = readJsTime(nowMs, now); !s) return answerIn(envelopeError(s));
  // The request's fields straight from the text (no tree of the request itself, its strings
  // views into the input buffer); anything the reader does not take is parsed as before, for the
  // parser's own error.
  MutationRequest request;
  const ParseLimits limits = core_.limits().forText();
  if (!readMutationRequest(text, limits, request)) {
    json tree;
    if (Status s = parseJsonFast(text, tree, limits); !s) return answerIn(envelopeError(s));
    request = MutationRequest::fromJson(tree);
  }
  // What viewFollowsRequest reads: views into the request, which mutate leaves in place (it
  // takes only data and patch).
  const bool known = (flags & kViewKnown) != 0;
  const bool strings = request.op.isString() && request.collection.isString();
  const std::string_view kind = strings && known ? request.op.str() : std::string_view();
  const std::string_view collection = strings && known ? request.collection.str() : std::string_view();
  const bool byPatch = request.patch.is_object();
  // The id as JS sent it (a string): the numbers answer leaves it out when it is the entity's.
  const std::string_view requestId = request.id.isString() ? request.id.str() : std::string_view();
  Commit commit;
  std::string id;
  Status s = core_.mutate(std::move(request), now, commit, id, (flags & kWithView) != 0 && !known);
  if (!s) return answerIn(envelopeError(s));
  commit.counts = core_.counts();
  sealed_.seal(commit);
  // Written once, into the answer buffer kept between calls (no string per write to allocate,
  // move and free).
  out_.clear();
  const bool fromRequest = known && strings && viewFollowsRequest(kind, collection, byPatch, commit);
  if (fromRequest) {
    // JS makes this view from the one it holds: leave it out (a 10 KB entity costs more to write,
    // copy and parse than the whole write).
    if (auto views = findNamed(commit.views, collection); views != commit.views.end()) {
      const CollectionChanges& c = findNamed(commit.changes.collections, collection)->second;
      const std::string& changedId = !c.updated.empty() ? c.updated[0] : !c.created.empty() ? c.created[0] : c.deleted[0];
      views->second.erase(changedId);
      if (views->second.empty()) commit.views.erase(views);
    }
  }
  // The plain write's answer as numbers when JS takes them (wire/local_write_numbers.hpp), else as
  // the short text (wire/commit_text.hpp); anything else as the whole envelope.
  if ((flags & kNumbers) != 0 &&
      writeLocalWriteNumbers(numbers_, out_, commit, id, fromRequest, requestId, core_.clientId(), sentClientId_)) {
    answerOut();
    io_.numbersPtr = address(numbers_.data());
    return -1.0 - static_cast<double>(out_.size());
  }
  if (appendLocalWriteText(out_, commit, id, fromRequest)) return answerOut();
  out_ += fromRequest ? "{\"ok\":true,\"viewFromRequest\":true,\"commit\":" : "{\"ok\":true,\"commit\":";
  appendCommitText(out_, commit, id);
  out_ += '}';
  return answerOut();
}

double CoreHandle::applyIn(double bytes, double nowMs) {
  std::string_view text;
  if (!readInput(bytes, text)) return answerIn(envelopeError(wrongType("the batch is not in the input buffer")));
  // The string overload's conversions and checks, on a copy-free view of the bytes.
  return answerIn(apply(text, nowMs));
}

double CoreHandle::applyChangesIn(double bytes, double cursor, double nowMs) {
  std::string_view text;
  if (!readInput(bytes, text)) return answerIn(envelopeError(wrongType("the changes are not in the input buffer")));
  return answerIn(applyChanges(text, cursor, nowMs));
}

}  // namespace syncore
