// Small IDX files for the tests of the IDX reader and of read_dataset: the bytes of an IDX file
// (write them with support/files.hpp).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace mlp::test {

using Bytes = std::string;

// An IDX file: magic, big-endian dimensions, then `data`.
inline Bytes idx(std::uint32_t magic, const std::vector<std::uint32_t>& dims, const Bytes& data) {
  Bytes out;
  auto put = [&](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((v >> shift) & 0xFF));
  };
  put(magic);
  for (auto d : dims) put(d);
  return out + data;
}

inline Bytes bytes(std::initializer_list<int> values) {
  Bytes out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

}  // namespace mlp::test
