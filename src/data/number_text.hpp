// Numbers and missing values as they are written in CSV fields (internal to src/data): the one
// place that decides whether a field is a number, and whether it is a missing value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mlp::detail {

// `s` without the spaces and tabs around it.
std::string_view trim(std::string_view s);

enum class NumberStatus { ok, empty, not_a_number, not_finite, out_of_range };

// Parses a whole field (spaces around it allowed, a leading '+' allowed) as a finite double,
// with `decimal` ('.' or ',') as the decimal mark.
NumberStatus parse_number(std::string_view field, double& value, char decimal = '.');

// Whether the trimmed `field` is empty or equals one of `na_values` ignoring ASCII case.
bool is_missing(std::string_view field, const std::vector<std::string>& na_values);

// A value for messages: quoted, and shortened when long.
std::string show(std::string_view value);

}  // namespace mlp::detail
