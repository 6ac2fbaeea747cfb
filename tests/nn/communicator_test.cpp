// SingleProcessCommunicator: the one-process case of every collective operation that has one to
// check (the many-process ones are tests/distributed/).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "mlp/nn/communicator.hpp"

namespace {

// One process's shared memory is its own: what it writes it reads back, across synchronize(),
// at an address any scalar can use; each call gives other memory.
TEST(SingleProcessCommunicator, SharedMemoryIsThisProcesssOwn) {
  mlp::SingleProcessCommunicator one;
  const auto memory = one.share_memory(3 * sizeof(double) + 1);
  const auto other = one.share_memory(8);
  ASSERT_NE(memory, nullptr);
  ASSERT_NE(other, nullptr);
  std::byte* part = memory->part(0);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(part) % alignof(double), 0u);
  EXPECT_NE(part, other->part(0));
  const std::vector<double> written{1.5, -2.0, 3.25};
  std::memcpy(part, written.data(), 3 * sizeof(double));
  part[3 * sizeof(double)] = std::byte{7};
  memory->synchronize();
  std::vector<double> read(3);
  std::memcpy(read.data(), memory->part(0), 3 * sizeof(double));
  EXPECT_EQ(read, written);
  EXPECT_EQ(memory->part(0)[3 * sizeof(double)], std::byte{7});
}

// One process's alltoall sends itself everything: complete when started, its request saying so.
TEST(SingleProcessCommunicator, StartedAlltoallIsCompleteAtOnce) {
  mlp::SingleProcessCommunicator one;
  const auto request = one.make_request();
  const std::vector<float> send{1.5f, -2.0f, 3.25f};
  std::vector<float> received(3, 0.0f);
  const std::vector<mlp::Index> counts{3};
  one.start_alltoall(std::span<const float>(send), counts, std::span<float>(received), counts,
                     *request);
  EXPECT_TRUE(request->test());
  request->wait();
  EXPECT_EQ(received, send);
  const std::vector<double> send_double{4.0, 5.5};
  std::vector<double> received_double(2, 0.0);
  const std::vector<mlp::Index> two{2};
  one.start_alltoall(std::span<const double>(send_double), two, std::span<double>(received_double),
                     two, *request);
  EXPECT_TRUE(request->test());
  EXPECT_EQ(received_double, send_double);
}

}  // namespace
