// The buffers the kernels read whole rows of start on a cache line: the parameters (so the first
// layer's W), every buffer of a Workspace, and the data a program allocates as Eigen matrices
// (EIGEN_MAX_ALIGN_BYTES=64, which the mlp target passes on to the programs that link it). A
// 64-byte load from a row that starts inside a line reads two lines: the sparse first layer ran
// 25 % slower that way (docs/performance.md).
#include <gtest/gtest.h>

#include <cstdint>

#include "mlp/nn/network.hpp"
#include "mlp/nn/workspace.hpp"

namespace {

bool on_a_cache_line(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) % 64 == 0;
}

TEST(Alignment, EigenAllocatesOnCacheLinesInProgramsThatLinkTheLibrary) {
  for (mlp::Index size : {1, 3, 17, 1000, 100000}) {
    const mlp::Matrix<float> m(size, 3);
    EXPECT_TRUE(on_a_cache_line(m.data())) << size << " x 3";
    const mlp::Vector<double> v(size);
    EXPECT_TRUE(on_a_cache_line(v.data())) << size;
  }
}

template <class Scalar>
void check_network_buffers() {
  // Widths that are no multiple of a cache line's values, so that packed offsets would not be.
  mlp::Sequential<Scalar> net(13);
  net.add(7, mlp::Activation::relu).add(5, mlp::Activation::tanh).add(3, mlp::Activation::softmax);
  net.initialize(mlp::Initializer{}, 1);
  EXPECT_TRUE(on_a_cache_line(net.parameters().data()));
  EXPECT_TRUE(on_a_cache_line(net.weights(0).data()));
  mlp::Workspace<Scalar> ws;
  ws.plan(net.layers(), 9);
  for (std::size_t l = 0; l < net.layers().size(); ++l) {
    EXPECT_TRUE(on_a_cache_line(ws.Z(l, 9).data())) << "Z of layer " << l;
    EXPECT_TRUE(on_a_cache_line(ws.A(l, 9).data())) << "A of layer " << l;
    EXPECT_TRUE(on_a_cache_line(ws.dZ(l, 9).data())) << "dZ of layer " << l;
  }
  EXPECT_TRUE(on_a_cache_line(ws.dA(9, 7).data()));
  EXPECT_TRUE(on_a_cache_line(ws.batch_inputs(9).data()));
  EXPECT_TRUE(on_a_cache_line(ws.batch_targets(9).data()));
}

TEST(Alignment, ParametersAndEveryWorkspaceBufferStartOnACacheLine) {
  check_network_buffers<float>();
  check_network_buffers<double>();
}

}  // namespace
