#include "mlp/nn/workspace.hpp"

#include <algorithm>

#include "nn/sparse_input.hpp"

namespace mlp {

namespace {

bool same_shapes(const std::vector<DenseLayer>& a, const std::vector<DenseLayer>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.n_in == y.n_in && x.n_out == y.n_out;
  });
}

}  // namespace

template <class Scalar>
Workspace<Scalar>::Workspace() : sparse_inputs_(std::make_unique<SparseBatch<Scalar>>()) {}
template <class Scalar>
Workspace<Scalar>::~Workspace() = default;
template <class Scalar>
Workspace<Scalar>::Workspace(Workspace&&) noexcept = default;
template <class Scalar>
Workspace<Scalar>& Workspace<Scalar>::operator=(Workspace&&) noexcept = default;

template <class Scalar>
bool Workspace<Scalar>::fits(const std::vector<DenseLayer>& layers, Index rows) const {
  return rows <= capacity_ && same_shapes(layers, planned_for_);
}

template <class Scalar>
void Workspace<Scalar>::plan(const std::vector<DenseLayer>& layers, Index max_batch) {
  if (fits(layers, max_batch)) return;
  capacity_ = std::max<Index>(max_batch, 1);
  planned_for_ = layers;
  widths_.clear();
  z_offsets_.clear();
  a_offsets_.clear();
  dz_offsets_.clear();
  // Each buffer starts on a cache line (storage_ does, as Eigen allocates): the kernels' 64-byte
  // loads of its first row then read one line each, not two.
  constexpr Index kLine = 64 / static_cast<Index>(sizeof(Scalar));
  Index total = 0;
  auto take = [&](Index values) {
    const Index offset = total;
    total += (values + kLine - 1) / kLine * kLine;
    return offset;
  };
  Index widest = 0;
  for (const auto& layer : layers) {
    widths_.push_back(layer.n_out);
    widest = std::max({widest, layer.n_out, layer.n_in});
    z_offsets_.push_back(take(capacity_ * layer.n_out));
    a_offsets_.push_back(take(capacity_ * layer.n_out));
    dz_offsets_.push_back(take(capacity_ * layer.n_out));
  }
  n_in_ = layers.empty() ? 0 : layers.front().n_in;
  n_out_ = layers.empty() ? 0 : layers.back().n_out;
  da_offset_ = take(capacity_ * widest);
  x_offset_ = take(capacity_ * n_in_);
  y_offset_ = take(capacity_ * n_out_);
  storage_.setZero(total);
  sparse_inputs_->reserve(capacity_, n_in_);
}

template class Workspace<float>;
template class Workspace<double>;

}  // namespace mlp
