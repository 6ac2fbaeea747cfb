// Writing CSV fields: quoted (RFC 4180) only when they hold a delimiter, a quote or a line break.
#pragma once

#include <string>

namespace mlp::cli {

std::string csv_field(const std::string& text);

}  // namespace mlp::cli
