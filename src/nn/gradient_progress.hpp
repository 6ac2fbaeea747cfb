// What a backward pass tells as it goes (Sequential::backward_impl): the layers' gradients are
// computed from the last layer to the first, and each is final before the next one starts, so
// data-parallel fit (nn/block_sum.hpp) can send a layer's gradient while the layers before it
// still compute: the exchange overlaps the backward pass, as PyTorch DDP's buckets do.
#pragma once

#include "mlp/core/matrix.hpp"

namespace mlp {

class GradientProgress {
 public:
  // The values [first, end) of the gradient being computed are final (end: the gradient's end,
  // and whatever the caller keeps after it). Called with decreasing `first`, last with 0.
  virtual void final_from(Index first) = 0;

 protected:
  ~GradientProgress() = default;
};

}  // namespace mlp
