#include "export/onnx_graph_builder.hpp"

#include "mlp/core/error.hpp"

namespace mlp::onnx {

std::string GraphBuilder::unique(const std::string& hint) {
  std::string name = hint;
  for (int n = 1; used_.count(name) != 0; ++n) name = hint + "_" + std::to_string(n);
  used_.insert(name);
  return name;
}

std::vector<Dimension> GraphBuilder::shape_of(const std::vector<std::int64_t>& shape) {
  std::vector<Dimension> dims;
  for (const std::int64_t d : shape) dims.push_back(d < 0 ? Dimension{0, "N"} : Dimension{d, ""});
  return dims;
}

std::string GraphBuilder::input(const std::string& name, DataType type,
                                const std::vector<std::int64_t>& shape, std::string doc) {
  if (name.empty() || used_.count(name) != 0)
    throw InvalidArgument("ONNX export: two inputs would be named '" + name + "'");
  used_.insert(name);
  graph_.inputs.push_back({name, type, shape_of(shape), std::move(doc)});
  return name;
}

void GraphBuilder::output(const std::string& tensor, DataType type,
                          const std::vector<std::int64_t>& shape, std::string doc) {
  graph_.outputs.push_back({tensor, type, shape_of(shape), std::move(doc)});
}

std::string GraphBuilder::floats(const std::string& hint, std::vector<std::int64_t> dims,
                                 std::vector<float> values) {
  Tensor t;
  t.name = unique(hint);
  t.type = DataType::float32;
  t.dims = std::move(dims);
  t.floats = std::move(values);
  graph_.initializers.push_back(std::move(t));
  return graph_.initializers.back().name;
}

std::string GraphBuilder::ints(const std::string& hint, std::vector<std::int64_t> dims,
                               std::vector<std::int64_t> values) {
  Tensor t;
  t.name = unique(hint);
  t.type = DataType::int64;
  t.dims = std::move(dims);
  t.ints = std::move(values);
  graph_.initializers.push_back(std::move(t));
  return graph_.initializers.back().name;
}

std::string GraphBuilder::node(const std::string& op, std::vector<std::string> inputs,
                               std::vector<Attribute> attributes, const std::string& domain,
                               const std::string& output_name) {
  Node n;
  n.op_type = op;
  n.domain = domain;
  n.name = unique(op + "_node");
  n.inputs = std::move(inputs);
  n.outputs = {output_name.empty() ? unique(op) : unique(output_name)};
  n.attributes = std::move(attributes);
  graph_.nodes.push_back(std::move(n));
  return graph_.nodes.back().outputs[0];
}

}  // namespace mlp::onnx
