// The one seeded random engine of the library. Every random draw (initial weights, shuffling,
// splits) goes through a Random, so a seed reproduces a run bit for bit on any platform: the
// distributions below are our own, not the standard library's implementation-defined ones.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "mlp/core/error.hpp"

namespace mlp {

class Random {
 public:
  explicit Random(std::uint64_t seed = 0) : engine_(seed) {}

  // Uniform in [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // Uniform in [low, high).
  double uniform(double low, double high) { return low + (high - low) * uniform(); }

  // Standard normal draw (Box-Muller; the second value of each pair is kept for the next call).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = 0.0;
    while (u1 == 0.0) u1 = uniform();
    const double u2 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * std::numbers::pi * u2;
    spare_ = radius * std::sin(angle);
    has_spare_ = true;
    return radius * std::cos(angle);
  }

  // Uniform integer in [0, n), without modulo bias. n must be > 0.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t x = engine_();
    while (x >= limit) x = engine_();
    return x % n;
  }

  // The whole state as text, for checkpoints: the engine's numbers in the standard library's text
  // form of std::mt19937_64, then the Box-Muller spare as the bits of the double and whether it is
  // pending (0 or 1), separated by spaces. set_state(state()) continues the stream exactly.
  std::string state() const {
    std::ostringstream out;
    out << engine_ << ' ' << std::bit_cast<std::uint64_t>(spare_) << ' ' << (has_spare_ ? 1 : 0);
    return out.str();
  }

  // Restores a state written by state(); throws InvalidArgument (and keeps the current state)
  // when the text is not one.
  void set_state(std::string_view text) {
    std::istringstream in{std::string(text)};
    std::mt19937_64 engine;
    std::uint64_t spare_bits = 0;
    int has_spare = -1;
    in >> engine >> spare_bits >> has_spare;
    if (in.fail() || (has_spare != 0 && has_spare != 1) || !(in >> std::ws).eof())
      throw InvalidArgument(
          "not the state of a random engine (the engine's numbers, the spare, 0 or 1)");
    engine_ = engine;
    spare_ = std::bit_cast<double>(spare_bits);
    has_spare_ = has_spare == 1;
  }

  // Fisher-Yates shuffle of [first, last).
  template <class RandomIt>
  void shuffle(RandomIt first, RandomIt last) {
    const auto n = last - first;
    for (auto i = n - 1; i > 0; --i) {
      const auto j = static_cast<decltype(i)>(below(static_cast<std::uint64_t>(i) + 1));
      using std::swap;
      swap(first[i], first[j]);
    }
  }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace mlp
