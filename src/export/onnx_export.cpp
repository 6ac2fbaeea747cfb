#include "mlp/export/onnx_export.hpp"

#include <charconv>
#include <system_error>
#include "export/onnx_features.hpp"
#include "export/onnx_graph_builder.hpp"

#include "mlp/core/atomic_file.hpp"
#include "mlp/core/error.hpp"

namespace mlp {

namespace {

using onnx::Attribute;
using onnx::DataType;
using onnx::GraphBuilder;

constexpr std::int64_t kBatch = -1;

template <class T>
std::vector<float> as_floats(const T& values) {
  std::vector<float> out(static_cast<std::size_t>(values.size()));
  for (Index i = 0; i < values.size(); ++i)
    out[static_cast<std::size_t>(i)] = static_cast<float>(values.data()[i]);
  return out;
}

// The training data's standardisation, x' = (x - mean) / scale, as TrainedModel::prepare does.
std::string standardised(GraphBuilder& b, const std::string& x, const StandardScaler<double>& s) {
  const auto n = static_cast<std::int64_t>(s.mean.size());
  const std::string centred =
      b.node("Sub", {x, b.floats("scaler_mean", {1, n}, as_floats(s.mean))});
  return b.node("Div", {centred, b.floats("scaler_scale", {1, n}, as_floats(s.scale))});
}

// One Dense layer, the chapter's Z = X W + b (Gemm: W is n_in x n_out, row-major, as ONNX's B),
// then A = f(Z); the last layer's A is named `last_name`.
template <class Scalar>
std::string dense_layer(GraphBuilder& b, const Sequential<Scalar>& net, std::size_t l,
                        const std::string& x, const std::string& last_name) {
  const DenseLayer& layer = net.layers()[l];
  const std::string prefix = "layer" + std::to_string(l);
  const std::string W =
      b.floats(prefix + "_weight", {layer.n_in, layer.n_out}, as_floats(net.weights(l)));
  const std::string bias = b.floats(prefix + "_bias", {layer.n_out}, as_floats(net.bias(l)));
  const bool last = l + 1 == net.layers().size();
  const std::string z_name = last && layer.activation == Activation::identity ? last_name : "";
  const std::string z = b.node("Gemm", {x, W, bias}, {}, "", z_name);
  const std::string a_name = last ? last_name : "";
  switch (layer.activation) {
    case Activation::sigmoid:
      return b.node("Sigmoid", {z}, {}, "", a_name);
    case Activation::tanh:
      return b.node("Tanh", {z}, {}, "", a_name);
    case Activation::relu:
      return b.node("Relu", {z}, {}, "", a_name);
    case Activation::softmax:
      return b.node("Softmax", {z}, {Attribute::of_int("axis", 1)}, "", a_name);
    case Activation::identity:
      return z;
    case Activation::exponential:
      return b.node("Exp", {z}, {}, "", a_name);
  }
  return z;
}

// The class names as int64 labels; InvalidArgument when one is not an integer.
std::vector<std::int64_t> integer_classes(const std::vector<std::string>& classes) {
  std::vector<std::int64_t> values;
  for (const std::string& name : classes) {
    std::int64_t v = 0;
    const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), v);
    if (error != std::errc() || end != name.data() + name.size() || name.empty())
      throw InvalidArgument("int64 labels need integer class names, and '" + name + "' is not one");
    values.push_back(v);
  }
  return values;
}

// Classifier outputs: "probabilities" (the network's output) and "label", the most probable class
// (ArgMax, first of equals as TrainedModel::classes_from_proba, then a LabelEncoder from index to
// the class's name, or to its integer value with OnnxLabel::int64).
void classifier_outputs(GraphBuilder& b, const std::string& proba,
                        const std::vector<std::string>& classes, OnnxLabel label_type) {
  const auto n = static_cast<std::int64_t>(classes.size());
  const std::string index =
      b.node("ArgMax", {proba}, {Attribute::of_int("axis", 1), Attribute::of_int("keepdims", 0)});
  std::vector<std::int64_t> keys(classes.size());
  for (std::int64_t i = 0; i < n; ++i) keys[static_cast<std::size_t>(i)] = i;
  const bool integers = label_type == OnnxLabel::int64;
  std::vector<Attribute> map{Attribute::of_ints("keys_int64s", keys)};
  if (integers) {
    map.push_back(Attribute::of_ints("values_int64s", integer_classes(classes)));
    map.push_back(Attribute::of_int("default_int64", -1));
  } else {
    map.push_back(Attribute::of_strings("values_strings", classes));
    map.push_back(Attribute::of_string("default_string", ""));
  }
  const std::string label = b.node("LabelEncoder", {index}, map, "ai.onnx.ml", "label");
  b.output(label, integers ? DataType::int64 : DataType::string, {kBatch},
           "the most probable class");
  b.output(proba, DataType::float32, {kBatch, n},
           "class probabilities, in the order of the classes");
}

}  // namespace

template <class Scalar>
onnx::Model onnx_model(const TrainedModel<Scalar>& model, OnnxLabel label) {
  onnx::Model m;
  m.ir_version = 8;
  m.opsets = {{"", 17}, {"ai.onnx.ml", 2}};
  m.producer_name = "mlp";
  m.producer_version = "0.1.0";
  m.graph.name = "mlp";
  const ModelMetadata& meta = model.metadata;
  const Sequential<Scalar>& net = model.network;
  GraphBuilder b(m.graph);
  std::string x = onnx::encoded_features(b, meta, net.n_inputs());
  if (meta.feature_scaler) x = standardised(b, x, *meta.feature_scaler);
  const bool classification = meta.task == Task::classification;
  const std::string out_name = classification ? "probabilities" : "standardised_output";
  for (std::size_t l = 0; l < net.layers().size(); ++l) x = dense_layer(b, net, l, x, out_name);
  if (classification) {
    classifier_outputs(b, x, meta.class_names, label);
  } else {
    // y = y' * scale + mean, the regression output in the target's units.
    const std::string scaled =
        b.node("Mul", {x, b.floats("target_scale", {}, {static_cast<float>(meta.target_scale)})});
    const std::string y =
        b.node("Add", {scaled, b.floats("target_mean", {}, {static_cast<float>(meta.target_mean)})},
               {}, "", "variable");
    b.output(y, DataType::float32, {kBatch, 1}, "the predicted value, in the target's units");
  }
  if (!meta.target.empty()) m.metadata.push_back({"target", meta.target});
  return m;
}

template <class Scalar>
void export_onnx(const TrainedModel<Scalar>& model, const std::string& path, OnnxLabel label) {
  write_file_atomically(path, onnx::encode(onnx_model(model, label)));
}

template onnx::Model onnx_model(const TrainedModel<float>&, OnnxLabel);
template onnx::Model onnx_model(const TrainedModel<double>&, OnnxLabel);
template void export_onnx(const TrainedModel<float>&, const std::string&, OnnxLabel);
template void export_onnx(const TrainedModel<double>&, const std::string&, OnnxLabel);

}  // namespace mlp
