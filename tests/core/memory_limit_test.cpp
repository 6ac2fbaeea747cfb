// memory_limit_bytes: the limits a process can be given are seen; memory_problem and human_bytes.
#include "mlp/core/memory_limit.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <limits>

namespace {

TEST(MemoryLimit, IsAtMostThePhysicalMemory) {
  const auto physical = static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                        static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  EXPECT_LE(mlp::memory_limit_bytes(), physical);
  EXPECT_GT(mlp::memory_limit_bytes(), 0u);
}

TEST(MemoryLimit, SeesAnAddressSpaceLimit) {
  // In a child process, so that the limit does not bind the test run.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    struct rlimit limit {};
    limit.rlim_cur = 700'000'000;
    limit.rlim_max = RLIM_INFINITY;
    if (::setrlimit(RLIMIT_AS, &limit) != 0) ::_exit(2);
    const bool seen = mlp::memory_limit_bytes() == 700'000'000;
    const bool refused = mlp::memory_problem(800'000'000).has_value();
    const bool accepted = !mlp::memory_problem(600'000'000).has_value();
    ::_exit(seen && refused && accepted ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: setrlimit failed; 1: the limit was not seen";
}

TEST(MemoryLimit, ProblemNamesBothSizes) {
  const auto problem = mlp::memory_problem(std::numeric_limits<std::uint64_t>::max());
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->rfind("needs 18 EB of memory, more than the ", 0), 0u) << *problem;
  EXPECT_NE(problem->find(" this process may use"), std::string::npos) << *problem;
  EXPECT_FALSE(mlp::memory_problem(1).has_value());
}

TEST(MemoryLimit, HumanBytes) {
  EXPECT_EQ(mlp::human_bytes(0), "0 bytes");
  EXPECT_EQ(mlp::human_bytes(999), "999 bytes");
  EXPECT_EQ(mlp::human_bytes(1000), "1.0 kB");
  EXPECT_EQ(mlp::human_bytes(3'200'000), "3.2 MB");
  EXPECT_EQ(mlp::human_bytes(34'359'738'360), "34 GB");
  EXPECT_EQ(mlp::human_bytes(3'367'254'359'280), "3.4 TB");
}

}  // namespace
