// The diagnosis of a diverged training step: where the first NaN or infinity appeared and the
// likely cause, as a DivergenceError for fit to throw (internal to the library).
#pragma once

#include "mlp/core/error.hpp"
#include "mlp/nn/network.hpp"

namespace mlp {

// Where a training step went non-finite, and what training was doing.
struct DivergencePoint {
  int epoch = 0;        // 1-based
  long long batch = 0;  // 1-based within the epoch
  double learning_rate = 0.0;
  double loss = 0.0;        // the batch's loss (NaN or infinite, or finite when a gradient was not)
  int last_good_epoch = 0;  // the epoch whose parameters the network is given back (0: initial)
  bool update_overflowed = false;  // the loss and gradients were finite, the updated parameters not
};

// The error for a step whose loss or gradients are not finite, after forward and backward ran on
// the batch (Xb, Yb) into ws. The layer is the first whose pre-activations Z hold a NaN or
// infinity, else the last whose gradients do, else (parameters gone non-finite in the update) the
// first whose parameters do. The likely cause, checked in this order:
//   unscaled targets   an identity output and targets beyond +-1e3
//   unscaled inputs    inputs beyond +-1e3
//   saturated units    sigmoid or tanh pre-activations beyond +-50 (the weights have grown)
//   otherwise          the learning rate is too high for this loss scale: try a tenth of it
template <class Scalar>
DivergenceError divergence_error(const Sequential<Scalar>& net, Workspace<Scalar>& ws,
                                 ConstMatrixRef<Scalar> Xb, ConstMatrixRef<Scalar> Yb,
                                 const DivergencePoint& point);

}  // namespace mlp
