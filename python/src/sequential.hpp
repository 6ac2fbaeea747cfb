// mlp._core.Sequential_f32 / Sequential_f64: the library's Sequential<float> / <double> for
// Python (the package's mlp.Sequential picks one by dtype). fit and predict run without the GIL.
#pragma once

#include <pybind11/pybind11.h>

#include <mutex>
#include <string>

#include "mlp/core/error.hpp"

#include "mlp/nn/network.hpp"

namespace mlp::python {

// A network as Python holds it.
template <class Scalar>
struct PySequential {
  explicit PySequential(Sequential<Scalar> network) : net(std::move(network)) {}

  Sequential<Scalar> net;
  // Set once NumPy views of the parameters exist: adding a layer would move the buffer under
  // them, so add() refuses from then on.
  bool shared = false;
  // Held by fit and predict while they run without the GIL, so that two Python threads never
  // train or read one network at once; recursive, so that fit's callback may predict.
  std::recursive_mutex busy;
  // Set while fit runs: its callback may predict, but not change the layers or train again.
  bool training = false;
};

// Locks `s` for a change made with the GIL held (add, initialize, compile): throws
// InvalidArgument naming `what` at once, rather than waiting, while the network trains.
template <class Scalar>
std::unique_lock<std::recursive_mutex> lock_for_change(PySequential<Scalar>& s, const char* what) {
  std::unique_lock lock(s.busy, std::try_to_lock);
  if (!lock.owns_lock() || s.training)
    throw InvalidArgument(std::string("cannot ") + what +
                          " while the network trains (in another thread or from fit's callback)");
  return lock;
}

// Registers Sequential_f32 and Sequential_f64 in `m`.
void bind_sequential(pybind11::module_& m);

}  // namespace mlp::python
