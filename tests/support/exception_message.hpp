// The message of the exception a piece of code throws, for tests that check what a user reads.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace mlp::test {

// What f() throws as an E; a test failure and "" when it throws none.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception of the expected type";
  return "";
}

}  // namespace mlp::test
