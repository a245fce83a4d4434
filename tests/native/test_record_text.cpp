// Persist records written as text (SyncCore::setPersistText, records/record_text.hpp): the same
// scenario on a core that writes record trees and one that writes their text gives, commit by
// commit, the same records in the same order, each text byte for byte the dumpJson of the tree
// (the stored format does not move: docs/record_format.md). And a core with sensitive fields
// keeps writing trees, redacted.

#include "sync_test_util.hpp"

namespace test_record_text {

using namespace synctest;

namespace {

SyncCore makeCore(bool asText, const json& todos = json::object()) {
  SyncCore core = makeClient(todos);
  core.setPersistText(asText);
  return core;
}

// The commit's persist records of a tree core and a text core: equal in number, order, store and
// key; each text is the dump of the tree. Returns how many records it compared.
std::size_t sameRecords(const Commit& trees, const Commit& texts) {
  std::size_t compared = 0;
  REQUIRE(trees.effects.size() == texts.effects.size());
  for (std::size_t i = 0; i < trees.effects.size(); ++i) {
    const syncore::Effect& a = trees.effects[i];
    const syncore::Effect& b = texts.effects[i];
    REQUIRE(a.kind == b.kind);
    CHECK(a.texts.empty());
    if (a.kind != syncore::EffectKind::Persist) continue;
    CHECK(b.fields["put"].empty());
    CHECK(a.fields["delete"] == b.fields["delete"]);
    const json& put = a.fields["put"];
    REQUIRE(put.size() == b.texts.size());
    for (std::size_t k = 0; k < put.size(); ++k) {
      INFO("record " << k << " of " << put[k]["store"]);
      CHECK(put[k]["store"] == b.texts[k].store);
      CHECK(put[k]["key"] == b.texts[k].key);
      CHECK(syncore::dumpJson(put[k]["value"]) == b.texts[k].text);
      ++compared;
    }
    CHECK(a.toJson() == b.toJson());  // the text records read back as the same put records
  }
  return compared;
}

// Runs step on both cores and compares their commits.
template <class Step>
std::size_t both(SyncCore& trees, SyncCore& texts, Step step) {
  Commit a, b;
  step(trees, a);
  step(texts, b);
  return sameRecords(a, b);
}

void ok(syncore::Status s) {
  INFO(s.message);
  REQUIRE(s.isOk());
}

auto mutation(json request, std::int64_t now = 1000) {
  return [request, now](SyncCore& core, Commit& c) { mutate(core, request, now, &c); };
}

auto serverBatch(json batch, std::int64_t now = 1000) {
  return [batch, now](SyncCore& core, Commit& c) { ok(core.applyServer(batch, now, c)); };
}

}  // namespace

TEST_CASE("record text: every record of a client's life is the dump of its tree, byte for byte") {
  SyncCore trees = makeCore(false, {{"strategy", "manual"}});
  SyncCore texts = makeCore(true, {{"strategy", "manual"}});
  std::size_t records = 0;
  // Confirmed entities (entity records as text), one with what a dump must escape and number forms.
  records += both(trees, texts, serverBatch(json::parse(R"({"ops":[
    {"op":"upsert","collection":"todos","id":"a","version":1,"data":{"id":"a","title":"x","n":1}},
    {"op":"upsert","collection":"todos","id":"b","version":3,"data":{"id":"b","t":"q\"\\\n\u0001é😀","f":-0.5,"big":18446744073709551615,"neg":-7,"e":1e300,"z":[],"o":{}}},
    {"op":"upsert","collection":"todos","id":"c","version":2,"data":{"id":"c"}}]})")));
  // A create (no base), with escapes in its payload and queue options.
  records += both(trees, texts, mutation({{"collection", "todos"}, {"op", "create"}, {"id", "n1"},
                                          {"data", {{"title", "tab\there \xe2\x80\xa8"}, {"n", 2.25}, {"list", {1, -2, "x"}}}},
                                          {"maxRetries", 3}, {"expireAfterMs", 60000}, {"priority", "high"}}));
  // Updates on the stored text (a text base) and on a tree; a delete; a fold into the entry.
  records += both(trees, texts, mutation({{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"title", "mine"}}}}, 1001));
  records += both(trees, texts, mutation({{"collection", "todos"}, {"op", "update"}, {"id", "b"}, {"patch", {{"o", {{"deep", true}}}}}}, 1002));
  records += both(trees, texts, mutation({{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"n", nullptr}}}}, 1003));
  records += both(trees, texts, mutation({{"collection", "todos"}, {"op", "delete"}, {"id", "c"}, {"strategy", "client-wins"}}, 1004));
  // Sent: in flight, sent, attempts.
  json flying;
  records += both(trees, texts, [&](SyncCore& core, Commit& c) {
    ok(core.setOnline(true, 1005, c));
    flying = sent(c);
  });
  REQUIRE(flying.size() == 4);
  // An ack (the entity confirmed at a new version), a refusal (a dead letter), and a remote change
  // under a pending update (a manual conflict, parked).
  records += both(trees, texts, serverBatch(json::array({{{"op", "ack"}, {"key", flying[0]["key"]}, {"version", 9}},
                                                         {{"op", "reject"}, {"key", flying[3]["key"]}, {"class", "validation"}, {"message", "no \"c\""}}})));
  records += both(trees, texts, serverBatch(json::parse(R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"a","title":"theirs","n":5}},
    {"op":"delete","collection":"todos","id":"b","version":4}]})")));
  records += both(trees, texts, [](SyncCore& core, Commit& c) { ok(core.setOnline(false, 1006, c)); });
  CHECK(records >= 12);
  // The meta record's PRNG words: sixteen lower-case hex digits each (as "%016llx" wrote them).
  const json meta = trees.exportRecords().back();
  REQUIRE(meta["store"] == "meta");
  REQUIRE(meta["value"]["outbox"]["prng"].size() == 4);
  for (const json& word : meta["value"]["outbox"]["prng"]) {
    const std::string hex = word.get<std::string>();
    CHECK(hex.size() == 16);
    CHECK(hex.find_first_not_of("0123456789abcdef") == std::string::npos);
  }
  CHECK(texts.deadLetters().size() == 1);
  CHECK(texts.conflicts().size() == trees.conflicts().size());
}

TEST_CASE("record text: a core whose collection has sensitive fields writes trees, redacted") {
  SyncCore core = makeCore(true, {{"sensitiveFields", {"secret"}}});
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "s"}, {"data", {{"secret", "pin"}, {"shown", 1}}}}, 1000, &c);
  const auto persists = effectsOf(c, "persist");
  REQUIRE(persists.size() == 1);
  bool sawOutbox = false;
  for (const syncore::Effect& e : c.effects) CHECK(e.texts.empty());
  for (const json& r : persists[0]["put"]) {
    if (r["store"] != "outbox") continue;
    sawOutbox = true;
    CHECK(r["value"]["payload"] == json{{"id", "s"}, {"shown", 1}});
  }
  CHECK(sawOutbox);
}

TEST_CASE("record text: a restart from text records restores what trees restore") {
  PersistedRecords fromTrees, fromTexts;
  SyncCore trees = makeCore(false);
  SyncCore texts = makeCore(true);
  for (SyncCore* core : {&trees, &texts}) {
    PersistedRecords& storage = core == &trees ? fromTrees : fromTexts;
    Commit a, b, c;
    ok(core->applyServer(json::parse(R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":1,"data":{"id":"a","n":1}}]})"), 1000, a));
    storage.apply(a);
    mutate(*core, {{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"n", 2}}}}, 1001, &b);
    storage.apply(b);
    mutate(*core, {{"collection", "todos"}, {"op", "create"}, {"id", "k"}, {"data", {{"x", "y"}}}}, 1002, &c);
    storage.apply(c);
  }
  CHECK(fromTrees.all() == fromTexts.all());
  SyncCore again = reopen(fromTexts);
  CHECK(view(again, "a") == json{{"id", "a"}, {"n", 2}});
  CHECK(view(again, "k") == json{{"id", "k"}, {"x", "y"}});
  CHECK(again.pendingMutations().size() == 2);
}

}  // namespace test_record_text
