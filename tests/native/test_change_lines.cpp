// A server batch's answer (envelopeCommitLines): the document with each changed collection's
// counts in "changes", then that collection's ids on a line of its own. Read back the way
// js/change_lines.js reads it (the first line parsed; a collection's line parsed on its own), it
// must say exactly what the one-document envelope says, whatever the ids hold.
#include <catch2/catch.hpp>

#include <random>

#include "wire/envelope.hpp"
#include "sync_test_util.hpp"

// One namespace per test file (the unity build compiles several files as one).
namespace test_change_lines {

using namespace synctest;

namespace {

std::vector<std::string> splitAtNewlines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t from = 0;
  for (std::size_t nl; (nl = text.find('\n', from)) != std::string::npos; from = nl + 1) lines.push_back(text.substr(from, nl - from));
  lines.push_back(text.substr(from));
  return lines;
}

// The lines form read back into the one-document envelope, checking its shape on the way.
json readBack(const std::string& text) {
  const std::vector<std::string> lines = splitAtNewlines(text);
  json head = json::parse(lines[0], nullptr, false);
  REQUIRE_FALSE(head.is_discarded());
  REQUIRE(head["lines"] == true);
  head.erase("lines");
  json& changes = head["commit"]["changes"];
  REQUIRE(changes.is_object());
  REQUIRE(lines.size() == changes.size() + 1);  // one line per changed collection, no raw newline in one
  std::size_t line = 1;
  for (auto& [collection, counts] : changes.items()) {
    INFO(collection);
    json ids = json::parse(lines[line++], nullptr, false);
    REQUIRE(ids.is_object());
    REQUIRE(counts == json::array({ids["created"].size(), ids["deleted"].size(), ids["updated"].size()}));
    counts = std::move(ids);
  }
  return head;
}

void checkSame(const Commit& c) {
  const std::string lines = syncore::envelopeCommitLines(c);
  INFO(lines);
  json inline_ = json::parse(syncore::envelopeCommit(c));
  CHECK(readBack(lines) == inline_);
  // The order of the collections is the document's (json's object sorts its keys; check the text).
  const std::string head = lines.substr(0, lines.find('\n'));
  std::size_t at = 0;
  for (const auto& [collection, change] : c.changes.collections) {
    if (change.empty()) continue;
    const std::size_t found = head.find(syncore::dumpJson(json(collection)) + ":[", at);
    REQUIRE(found != std::string::npos);
    at = found;
  }
}

// An id made of letters, quotes, backslashes, newlines, other control characters and UTF-8.
std::string randomId(std::mt19937& rng) {
  static const std::vector<std::string> parts = {"a", "Z", "7", "\"", "\\", "\n", "\r", "\t", std::string("\x01", 1), "ü", "€", "😀", "-", " "};
  std::string id;
  const int n = 1 + static_cast<int>(rng() % 6);
  for (int i = 0; i < n; ++i) id += parts[rng() % parts.size()];
  return id;
}

}  // namespace

TEST_CASE("change_lines: an empty commit has no line") {
  const std::string text = syncore::envelopeCommitLines(Commit{});
  CHECK(text.find('\n') == std::string::npos);
  checkSame(Commit{});
}

TEST_CASE("change_lines: random change sets read back as the one-document envelope") {
  std::mt19937 rng(15);
  for (int round = 0; round < 300; ++round) {
    Commit c;
    const int collections = static_cast<int>(rng() % 4);
    for (int k = 0; k < collections; ++k) {
      std::string name = k == 2 ? std::string("line\nname") : "c" + std::to_string(rng() % 5);
      auto& change = c.changes.collections[name];
      for (auto* ids : {&change.created, &change.deleted, &change.updated})
        for (int n = static_cast<int>(rng() % 4 == 0 ? rng() % 600 : rng() % 3); n > 0; --n) ids->push_back(randomId(rng));
    }
    c.cursor = static_cast<std::int64_t>(rng() % 1000);
    c.counts = {1, 2, 3, 4, rng() % 2 == 0};
    c.notify = {static_cast<std::uint32_t>(rng() % 9)};
    c.queries.push_back({3, {"x\ny"}, 1});
    c.events.push_back({syncore::EventType::Queued, {{"text", "line\nbreak"}}});
    checkSame(c);
  }
}

TEST_CASE("change_lines: a real server batch") {
  SyncCore core = makeClient();
  std::uint32_t sub = 0;
  REQUIRE(core.subscribe("todos", "", sub).isOk());
  Commit s;
  REQUIRE(core.applyServer(json::parse(R"({"ops":[
    {"op":"upsert","collection":"todos","id":"9","version":1,"data":{"id":"9"}},
    {"op":"upsert","collection":"todos","id":"line\nbreak","version":1,"data":{"id":"line\nbreak"}},
    {"op":"delete","collection":"todos","id":"gone","version":2}],"cursor":5})"), 1001, s).isOk());
  REQUIRE_FALSE(s.changes.collections.empty());
  checkSame(s);
}

}  // namespace test_change_lines
