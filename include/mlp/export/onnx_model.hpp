// The subset of ONNX's messages (onnx.proto, https://github.com/onnx/onnx) that an MLP needs, as
// plain structs, and their protobuf encoding. The project writes these few messages with its own
// small encoder (src/export/protobuf_wire.hpp) instead of libprotobuf and the official
// onnx.proto: seven messages and four wire types are about 200 lines, they add no build-time code
// generator or library version to match, and the same wire code, bounded, reads untrusted files
// for `mlp import` (docs/export.md).
//
//   mlp::onnx::Model model;
//   model.graph.nodes.push_back({"Relu", "", "relu0", {"z0"}, {"a0"}, {}});
//   std::string bytes = mlp::onnx::encode(model);   // a ModelProto
//
// Field numbers are onnx.proto's; everything not listed here is left out of what is written.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mlp::onnx {

// TensorProto.DataType values used here.
enum class DataType : std::int32_t { float32 = 1, int32 = 6, int64 = 7, string = 8, float64 = 11 };

// A constant tensor (TensorProto): numbers stored little-endian in raw_data, strings in
// string_data. Only the vector of its type is used.
struct Tensor {
  std::string name;
  DataType type = DataType::float32;
  std::vector<std::int64_t> dims;  // empty: a scalar
  std::vector<float> floats;
  std::vector<std::int64_t> ints;
  std::vector<std::string> strings;
};

// An attribute of a node (AttributeProto) of one of these kinds.
struct Attribute {
  enum class Kind { f, i, s, floats, ints, strings, tensor };
  std::string name;
  Kind kind = Kind::i;
  float f = 0.0F;
  std::int64_t i = 0;
  std::string s;
  std::vector<float> floats;
  std::vector<std::int64_t> ints;
  std::vector<std::string> strings;
  std::vector<Tensor> tensor;  // kind tensor: exactly one

  static Attribute of_float(std::string name, float value);
  static Attribute of_int(std::string name, std::int64_t value);
  static Attribute of_string(std::string name, std::string value);
  static Attribute of_floats(std::string name, std::vector<float> values);
  static Attribute of_ints(std::string name, std::vector<std::int64_t> values);
  static Attribute of_strings(std::string name, std::vector<std::string> values);
};

// One operator application (NodeProto); domain "" is the default ONNX domain.
struct Node {
  std::string op_type;
  std::string domain;
  std::string name;
  std::vector<std::string> inputs, outputs;
  std::vector<Attribute> attributes;
};

// A dimension of a declared shape: a fixed size, or a named free size ("N") when param is set.
struct Dimension {
  std::int64_t value = 0;
  std::string param;
};

// A graph input or output (ValueInfoProto with a tensor type).
struct ValueInfo {
  std::string name;
  DataType type = DataType::float32;
  std::vector<Dimension> shape;
  std::string doc_string;
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;  // in an order where every input is computed before it is used
  std::vector<Tensor> initializers;
  std::vector<ValueInfo> inputs, outputs;
  std::string doc_string;
};

struct OpsetImport {
  std::string domain;  // "" (ai.onnx) or "ai.onnx.ml"
  std::int64_t version = 0;
};

// A key and value of ModelProto.metadata_props.
struct MetadataEntry {
  std::string key, value;
};

struct Model {
  std::int64_t ir_version = 8;
  std::vector<OpsetImport> opsets;
  std::string producer_name, producer_version;
  std::string doc_string;
  Graph graph;
  std::vector<MetadataEntry> metadata;
};

// The ModelProto bytes of `model` (a .onnx file's content).
std::string encode(const Model& model);

// The model in ModelProto bytes (untrusted: every length and count is checked against the bytes
// that hold it, so nothing larger than the input is allocated). Tensors of float, double, int32
// and int64 come back in `floats` (double rounded to float) or `ints`, strings in `strings`;
// tensors of other types keep their type and no values. Throws ModelFileError naming `source`
// and the damaged message; tensors stored outside the file (external data) are refused.
Model decode(std::string_view bytes, const std::string& source);

}  // namespace mlp::onnx
