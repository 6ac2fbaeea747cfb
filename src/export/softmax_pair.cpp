#include "mlp/export/softmax_pair.hpp"

#include <vector>

#include "mlp/core/error.hpp"

namespace mlp {

template <class Scalar>
Sequential<Scalar> with_softmax_pair(const Sequential<Scalar>& network) {
  const auto& layers = network.layers();
  if (layers.empty() || layers.back().n_out != 1 || layers.back().activation != Activation::sigmoid)
    throw InvalidArgument(
        "a softmax pair replaces one sigmoid output unit; this network's last "
        "layer is not one");
  std::vector<LayerSpec> specs;
  for (std::size_t l = 0; l + 1 < layers.size(); ++l)
    specs.push_back({layers[l].n_out, layers[l].activation});
  specs.push_back({2, Activation::softmax});
  Sequential<Scalar> pair(network.n_inputs());
  pair.add(specs);
  for (std::size_t l = 0; l + 1 < layers.size(); ++l) {
    pair.weights(l) = network.weights(l);
    pair.bias(l) = network.bias(l);
  }
  const std::size_t last = layers.size() - 1;
  auto W = pair.weights(last);  // (n_in, 2): column 0 stays zero
  W.col(1) = network.weights(last).col(0);
  pair.bias(last)(0) = Scalar(0);
  pair.bias(last)(1) = network.bias(last)(0);
  pair.compile(Loss::categorical_crossentropy, network.optimizer());
  return pair;
}

template Sequential<float> with_softmax_pair(const Sequential<float>&);
template Sequential<double> with_softmax_pair(const Sequential<double>&);

}  // namespace mlp
