// The boundary's JSON parser: a recursive-descent parser that builds the same json value as
// nlohmann's, but copies runs of plain string bytes at once (nlohmann's lexer appends one
// character at a time, ~70 instructions each: 81 % of a restore). Anything it does not accept,
// and every limit, is left to parseJson, so errors are exactly parseJson's.
#pragma once
#include <string_view>

#include "base/json_util.hpp"

namespace syncore {

// Same contract as parseJson: out is set only on success.
Status parseJsonFast(std::string_view text, json& out, const ParseLimits& limits);

}  // namespace syncore
