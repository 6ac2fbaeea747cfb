#include "mlp/learn/xor.hpp"

namespace mlp {

template <class Scalar>
Matrix<Scalar> xor_inputs() {
  Matrix<Scalar> X(4, 2);
  X << 0, 0, 0, 1, 1, 0, 1, 1;
  return X;
}

template <class Scalar>
Matrix<Scalar> xor_targets() {
  Matrix<Scalar> Y(4, 1);
  Y << 0, 1, 1, 0;
  return Y;
}

OptimizerSpec XorSetup::optimizer_spec() const {
  return optimizer == OptimizerSpec::Kind::adam ? OptimizerSpec::adam(learning_rate)
                                                : OptimizerSpec::gradient_descent(learning_rate);
}

XorSetup keras_xor_setup() {
  XorSetup setup;
  setup.hidden = 16;
  setup.weights = Initializer::glorot_uniform();
  setup.loss = Loss::mse;
  setup.optimizer = OptimizerSpec::Kind::adam;
  setup.learning_rate = 0.001;
  return setup;
}

template <class Scalar>
Sequential<Scalar> xor_network(const XorSetup& setup) {
  Sequential<Scalar> net(2);
  net.add(setup.hidden, setup.activation).add(1, setup.activation);
  net.initialize(setup.weights, setup.seed);
  net.compile(setup.loss, setup.optimizer_spec());
  return net;
}

#define MLP_INSTANTIATE(Scalar)                  \
  template Matrix<Scalar> xor_inputs<Scalar>();  \
  template Matrix<Scalar> xor_targets<Scalar>(); \
  template Sequential<Scalar> xor_network<Scalar>(const XorSetup&);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
