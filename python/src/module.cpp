// The extension module mlp._core: the library's network, model files, data readers, trained
// models with their exports and the ONNX import, and the thread count, for the Python package
// in python/mlp (which users import instead of this module).
#include <pybind11/pybind11.h>

#include <string>

#include "bindings.hpp"
#include "errors.hpp"
#include "mlp/nn/threads.hpp"
#include "sequential.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "mlp's C++ library; use the package mlp, which wraps it";
  mlp::python::bind_errors(m);
  mlp::python::bind_sequential(m);
  mlp::python::bind_model_files(m);
  mlp::python::bind_datasets(m);
  mlp::python::bind_trained_model(m);
  m.def("set_threads", &mlp::set_threads, pybind11::arg("count"),
        "Sets the thread count of the library's parallel kernels (0: one per core).");
  m.def("threads", &mlp::threads, "The thread count in force.");
  m.def(
      "thread_use",
      [] {
        const mlp::ThreadUse use = mlp::thread_use();
        pybind11::dict counts;
        counts["shared_jobs"] = use.shared_jobs;
        counts["alone_jobs"] = use.alone_jobs;
        return counts;
      },
      "How the parallel kernels' jobs have run since the process started: shared among the "
      "threads, or on the calling thread alone where the other threads did not pay.");
  m.def(
      "kernel_set", [] { return std::string(mlp::kernel_set()); },
      "The SIMD kernel set in force: avx512, avx2 or portable (MLP_KERNELS may name one).");
}
