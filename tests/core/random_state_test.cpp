// Random::state / set_state: a restored engine continues the stream exactly.
#include <gtest/gtest.h>

#include <string>

#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"

namespace {

TEST(RandomState, RestoredEngineContinuesTheStreamExactly) {
  mlp::Random a(42);
  for (int i = 0; i < 1000; ++i) a.below(97);
  a.normal();  // leaves a Box-Muller spare pending: the state must carry it
  const std::string saved = a.state();
  mlp::Random b(7);
  b.set_state(saved);
  EXPECT_EQ(b.state(), saved);
  EXPECT_EQ(a.normal(), b.normal());  // the spare
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.below(1000003), b.below(1000003)) << i;
}

TEST(RandomState, MalformedTextIsRefusedAndTheStateKept) {
  mlp::Random a(3);
  const std::string before = a.state();
  const std::string good = mlp::Random(5).state();
  for (const std::string& bad :
       {std::string(), std::string("12 34"), good.substr(0, good.size() / 2), good + " 9",
        good.substr(0, good.rfind(' ')) + " 2", std::string("x") + good}) {
    EXPECT_THROW(a.set_state(bad), mlp::InvalidArgument) << bad.substr(0, 40);
    EXPECT_EQ(a.state(), before);
  }
}

}  // namespace
