// A commit's touches (sync_commit.cpp): past eight, they are found through a hash index of
// (collection, id). The same id in two collections is two entities; the same entity written twice
// in one batch is one change, classified by where it ends; and a small commit after a large one
// finds its touches again (the index of the large one is dropped, not left to answer).
#include <algorithm>
#include <string>
#include <vector>

#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_commit_touches {

using namespace synctest;

namespace {

json upsert(const char* collection, const std::string& id, int version, int n) {
  return {{"op", "upsert"}, {"collection", collection}, {"id", id}, {"version", version}, {"data", {{"id", id}, {"n", n}}}};
}

}  // namespace

TEST_CASE("commit touches: a large batch with the same id in two collections and an entity written twice") {
  SyncCore core = twoCollections();
  json ops = json::array();
  for (int i = 0; i < 40; ++i) ops.push_back(upsert(i % 2 == 0 ? "todos" : "notes", "e" + std::to_string(i / 2), 1, i));
  Commit first = server(core, json{{"ops", ops}});
  CHECK(first.changes.collections["todos"].created.size() == 20);
  CHECK(first.changes.collections["notes"].created.size() == 20);

  // Past the scan: "e3" updated then deleted in todos, "e3" in notes only updated, "e5" in todos
  // updated twice, a new "x" created then updated (and e20, e21 new to todos).
  json again = json::array();
  for (int i = 0; i < 12; ++i) again.push_back(upsert("todos", "e" + std::to_string(10 + i), 2, 100 + i));
  again.push_back(upsert("todos", "e3", 2, 1));
  again.push_back(upsert("notes", "e3", 2, 1));
  again.push_back(upsert("todos", "e5", 2, 1));
  again.push_back(upsert("todos", "e5", 3, 2));
  again.push_back(upsert("todos", "x", 1, 1));
  again.push_back(upsert("todos", "x", 2, 2));
  again.push_back({{"op", "delete"}, {"collection", "todos"}, {"id", "e3"}, {"version", 3}});
  Commit second = server(core, json{{"ops", again}});
  auto& todos = second.changes.collections["todos"];
  auto& notes = second.changes.collections["notes"];
  CHECK(todos.deleted == std::vector<std::string>{"e3"});
  CHECK(todos.created == std::vector<std::string>{"e20", "e21", "x"});  // e20, e21: new to todos
  CHECK(std::count(todos.updated.begin(), todos.updated.end(), "e5") == 1);
  CHECK(todos.updated.size() == 11);  // e10..e19 and e5, each once
  CHECK(notes.updated == std::vector<std::string>{"e3"});
  CHECK(view(core, "e3", "notes") == json({{"id", "e3"}, {"n", 1}}));
  CHECK(view(core, "e3", "todos") == nullptr);

  // A small commit after the large ones: its one touch is found, once.
  Commit small = server(core, json{{"ops", {upsert("notes", "e3", 3, 9), upsert("notes", "e3", 4, 10)}}});
  CHECK(small.changes.collections["notes"].updated == std::vector<std::string>{"e3"});
  CHECK(view(core, "e3", "notes") == json({{"id", "e3"}, {"n", 10}}));
}

TEST_CASE("commit touches: thousands of touches, the index grown several times, each entity once") {
  // The index is an open-addressed table made larger as the commit's touches grow: every touch,
  // filed before or after a growth, is found again (each id reported once, where it ended).
  SyncCore core = twoCollections();
  json ops = json::array();
  for (int i = 0; i < 3000; ++i) ops.push_back(upsert(i % 3 == 0 ? "notes" : "todos", "k" + std::to_string(i % 1500), 1 + i / 1500, i));
  for (int i = 0; i < 1500; i += 7) ops.push_back({{"op", "delete"}, {"collection", "todos"}, {"id", "k" + std::to_string(i)}, {"version", 9}});
  Commit c = server(core, json{{"ops", ops}});
  auto& todos = c.changes.collections["todos"];
  auto& notes = c.changes.collections["notes"];
  std::vector<std::string> all = todos.created;
  all.insert(all.end(), notes.created.begin(), notes.created.end());
  CHECK(todos.updated.empty());
  CHECK(notes.updated.empty());
  // k<j> for j < 1500 is written at i = j and i = j + 1500: in notes when i % 3 == 0, else todos.
  std::size_t inTodos = 0, inNotes = 0, deleted = 0;
  for (int j = 0; j < 1500; ++j) {
    const bool todosHas = j % 3 != 0 || (j + 1500) % 3 != 0;
    const bool notesHas = j % 3 == 0 || (j + 1500) % 3 == 0;
    if (todosHas && j % 7 == 0) ++deleted;  // created and deleted in the same commit: no change
    else if (todosHas) ++inTodos;
    if (notesHas) ++inNotes;
  }
  CHECK(todos.created.size() == inTodos);
  CHECK(notes.created.size() == inNotes);
  CHECK(todos.deleted.empty());
  std::sort(todos.created.begin(), todos.created.end());
  CHECK(std::adjacent_find(todos.created.begin(), todos.created.end()) == todos.created.end());
  CHECK(deleted > 0);
  CHECK(view(core, "k1", "todos") == json({{"id", "k1"}, {"n", 1501}}));
  CHECK(view(core, "k7", "todos") == nullptr);
}

}  // namespace test_commit_touches
