// Building an onnx::Graph one node at a time: every node and constant gets a fresh, unique
// tensor name (the graph's inputs are registered first, so no name of the user's columns is
// reused), and each call returns the name of what it computes, so a graph reads as a chain:
//
//   GraphBuilder b(graph);
//   const std::string x = b.input("X", DataType::float32, {N, 4});
//   const std::string z = b.node("Gemm", {x, b.floats("W", {4, 3}, w), b.floats("b", {3}, bias)});
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "mlp/export/onnx_model.hpp"

namespace mlp::onnx {

class GraphBuilder {
 public:
  explicit GraphBuilder(Graph& graph) : graph_(graph) {}

  // A graph input named exactly `name` (InvalidArgument if the name is taken); returns `name`.
  // A dimension of -1 is the free batch size "N".
  std::string input(const std::string& name, DataType type, const std::vector<std::int64_t>& shape,
                    std::string doc = "");
  // Declares `tensor` (already computed by a node) as a graph output of that type and shape.
  void output(const std::string& tensor, DataType type, const std::vector<std::int64_t>& shape,
              std::string doc = "");

  // Constant tensors (initializers); each returns its unique name.
  std::string floats(const std::string& hint, std::vector<std::int64_t> dims,
                     std::vector<float> values);
  std::string ints(const std::string& hint, std::vector<std::int64_t> dims,
                   std::vector<std::int64_t> values);

  // One node with one output, named from `op` (or `output_name` when given); returns it.
  std::string node(const std::string& op, std::vector<std::string> inputs,
                   std::vector<Attribute> attributes = {}, const std::string& domain = "",
                   const std::string& output_name = "");

  // A name not used yet, made from `hint`.
  std::string unique(const std::string& hint);

 private:
  static std::vector<Dimension> shape_of(const std::vector<std::int64_t>& shape);

  Graph& graph_;
  std::set<std::string> used_;
};

}  // namespace mlp::onnx
