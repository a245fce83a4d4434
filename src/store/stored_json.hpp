// Entity bodies held as their canonical JSON text (the exact bytes dumpJson writes) rather than
// as nlohmann trees: a small entity costs ~70 bytes of text against ~300 bytes of std::map nodes
// and strings (docs/entity_storage.md has the measurement). A tree is built from the text only
// for the reader that needs one (a mutation, a rebase, a merge patch) and is not kept; a query
// reads only the top-level fields it names (fieldsFromStored).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/json_util.hpp"

namespace syncore {

// The canonical text of value, in a string of exactly its size (dumpJson's string grows by
// doubling: up to twice the bytes, held as long as the entity is).
std::string storedText(const json& value);

// The tree the text was written from: same keys, same values, same number types as the boundary's
// reader gives (dumpJson writes -0.0 and 2^60 so that they read back as they were).
json treeFromStored(std::string_view text);

// An object holding only the named top-level fields of the stored object (those it has): what a
// query's predicates and sort keys look at, without building the rest.
json fieldsFromStored(std::string_view text, const std::vector<std::string>& names);
// The same into out, reused from one entity to the next (its nodes for the fields are kept:
// reading a query's fields over a whole collection allocates next to nothing).
void fieldsFromStored(std::string_view text, const std::vector<std::string>& names, json& out);
// The same into out[i] for names[i] (a discarded json when the object lacks it), with no object
// built around them: the query index's columns (store/field_index.hpp). False when the text is
// not an object or has an escaped key; out is then to be read again another way.
bool readStoredFields(std::string_view text, const std::vector<std::string>& names, json* out);

// A merge patch that only sets or removes top-level fields applied to the stored object's text,
// appended to out: storedText(applyMergePatch(treeFromStored(text), patch)), byte for byte, with no
// tree of the entity (its untouched members are copied as they are), so a one-field write costs
// the same on a 10 KB entity as on a small one. False (out then unspecified) for what it leaves to
// the tree: a patch value that is an object (merged, not set), a key it would have to escape or
// that is not ASCII, a text that is not an object or has an escaped key.
// changes (when given): whether the patch changes the object at all, as the tree path compares
// (json ==: 1 and 1.0 are equal), each patched member read from the text for it.
bool patchStoredText(std::string_view text, const json& patch, std::string& out, bool* changes = nullptr);

}  // namespace syncore
