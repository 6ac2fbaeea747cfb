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
  Index total = 0;
  Index widest = 0;
  for (const auto& layer : layers) {
    widths_.push_back(layer.n_out);
    widest = std::max({widest, layer.n_out, layer.n_in});
    z_offsets_.push_back(total);
    total += capacity_ * layer.n_out;
    a_offsets_.push_back(total);
    total += capacity_ * layer.n_out;
    dz_offsets_.push_back(total);
    total += capacity_ * layer.n_out;
  }
  n_in_ = layers.empty() ? 0 : layers.front().n_in;
  n_out_ = layers.empty() ? 0 : layers.back().n_out;
  da_offset_ = total;
  total += capacity_ * widest;
  x_offset_ = total;
  total += capacity_ * n_in_;
  y_offset_ = total;
  total += capacity_ * n_out_;
  storage_.setZero(total);
  sparse_inputs_->reserve(capacity_, n_in_);
}

template class Workspace<float>;
template class Workspace<double>;

}  // namespace mlp
