#include "mlp/nn/init.hpp"

#include <cmath>

#include "mlp/core/error.hpp"

namespace mlp {

std::string to_string(Initializer::Kind kind) {
  switch (kind) {
    case Initializer::Kind::uniform:
      return "uniform";
    case Initializer::Kind::normal:
      return "normal";
    case Initializer::Kind::glorot_uniform:
      return "glorot_uniform";
    case Initializer::Kind::glorot_normal:
      return "glorot_normal";
    case Initializer::Kind::he_uniform:
      return "he_uniform";
    case Initializer::Kind::he_normal:
      return "he_normal";
  }
  return "unknown";
}

Initializer::Kind initializer_kind_from_string(const std::string& name) {
  using K = Initializer::Kind;
  if (name == "glorot" || name == "xavier") return K::glorot_uniform;
  if (name == "he") return K::he_uniform;
  for (auto k :
       {K::uniform, K::normal, K::glorot_uniform, K::glorot_normal, K::he_uniform, K::he_normal}) {
    if (name == to_string(k)) return k;
  }
  throw InvalidArgument("unknown initializer '" + name +
                        "' (expected uniform, normal, glorot_uniform, glorot_normal, he_uniform "
                        "or he_normal)");
}

template <class Scalar>
void initialize_layer(const Initializer& init, Random& rng, MatrixView<Scalar> W,
                      RowVectorView<Scalar> b) {
  using K = Initializer::Kind;
  const double fan_in = static_cast<double>(W.rows());
  const double fan_out = static_cast<double>(W.cols());
  auto fill = [&](auto draw) {
    for (Index i = 0; i < W.rows(); ++i)
      for (Index j = 0; j < W.cols(); ++j) W(i, j) = static_cast<Scalar>(draw());
  };
  switch (init.kind) {
    case K::uniform: {
      auto draw = [&] { return rng.uniform(init.low, init.high); };
      fill(draw);
      for (Index j = 0; j < b.size(); ++j) b(j) = static_cast<Scalar>(draw());
      return;
    }
    case K::normal: {
      auto draw = [&] { return init.mean + init.stddev * rng.normal(); };
      fill(draw);
      for (Index j = 0; j < b.size(); ++j) b(j) = static_cast<Scalar>(draw());
      return;
    }
    case K::glorot_uniform: {
      const double limit = std::sqrt(6.0 / (fan_in + fan_out));
      fill([&] { return rng.uniform(-limit, limit); });
      break;
    }
    case K::glorot_normal: {
      const double stddev = std::sqrt(2.0 / (fan_in + fan_out));
      fill([&] { return stddev * rng.normal(); });
      break;
    }
    case K::he_uniform: {
      const double limit = std::sqrt(6.0 / fan_in);
      fill([&] { return rng.uniform(-limit, limit); });
      break;
    }
    case K::he_normal: {
      const double stddev = std::sqrt(2.0 / fan_in);
      fill([&] { return stddev * rng.normal(); });
      break;
    }
  }
  b.setZero();
}

template void initialize_layer<float>(const Initializer&, Random&, MatrixView<float>,
                                      RowVectorView<float>);
template void initialize_layer<double>(const Initializer&, Random&, MatrixView<double>,
                                       RowVectorView<double>);

}  // namespace mlp
