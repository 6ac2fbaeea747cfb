// Protocol Buffers' wire format, the reading half, for untrusted bytes: every length is checked
// against the bytes that remain before anything is read or allocated, a varint has at most ten
// bytes, and a field is a view into the input (no copy). The caller decides what each field
// number means; unknown fields are skipped. See protobuf_writer.hpp for the format.
//
//   protobuf::Reader r(bytes, "model.onnx: ModelProto");
//   protobuf::Field f;
//   while (r.next(f))
//     if (f.number == 1) ir_version = f.as_int64();
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "export/protobuf_writer.hpp"

namespace mlp::protobuf {

struct Field {
  std::uint32_t number = 0;
  WireType type = WireType::varint;
  std::uint64_t value = 0;  // varint, fixed32 or fixed64: the number
  std::string_view bytes;   // length-delimited: the content
  std::string_view where;   // the message it belongs to, for errors

  // The value as a signed 64-bit integer (varint only; ModelFileError otherwise).
  std::int64_t as_int64() const;
  // The bytes of a length-delimited field (ModelFileError for another wire type).
  std::string_view as_bytes() const;
  // A fixed32 float.
  float as_float() const;
  // A repeated int64 field's values from this occurrence: one varint, or a packed run.
  void append_int64s(std::vector<std::int64_t>& out) const;
  // A repeated float field's values: one fixed32, or a packed run of 4-byte values.
  void append_floats(std::vector<float>& out) const;
};

class Reader {
 public:
  // `where` names the message in errors ("model.onnx: GraphProto").
  Reader(std::string_view bytes, std::string where) : bytes_(bytes), where_(std::move(where)) {}

  // The next field into `f`; false at the end. ModelFileError for a truncated or malformed field.
  bool next(Field& f);

 private:
  std::uint64_t varint();
  [[noreturn]] void fail(const std::string& what) const;

  std::string_view bytes_;
  std::size_t pos_ = 0;
  std::string where_;
};

}  // namespace mlp::protobuf
