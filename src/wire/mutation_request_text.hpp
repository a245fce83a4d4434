// Reads a local write's request text straight into a MutationRequest (sync/mutation_request.hpp):
// the top-level object field by field with the boundary's reader (wire/json_reader.hpp), only the
// values a mutation reads (data, patch) built as trees, its string fields views into the text
// (which must outlive the request).
#pragma once
#include <string_view>

#include "base/json_util.hpp"
#include "sync/mutation_request.hpp"

namespace syncore {

// False when the text is not one JSON object within the limits (or not JSON at all): the caller
// then parses it as parseJson does, for parseJson's own error or a request that is not an object.
bool readMutationRequest(std::string_view text, const ParseLimits& limits, MutationRequest& out);

}  // namespace syncore
