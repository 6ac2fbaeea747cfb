// Every SIMD kernel set gives the same bits: the AVX2 set, the AVX-512 set when the CPU has it, and
// the AVX-512 set's second copy on emulated registers (two AVX2 registers per zmm register,
// src/kernels/x86/avx512/zmm.hpp), which runs the AVX-512 kernels' logic on CPUs without AVX-512.
// Each is checked bit for bit against the rule gemm_kernels.hpp states, computed here term by term
// with std::fma: each sum over p in gemm's blocks of sum_block_length terms, a block's terms
// fused-multiply-added in order from +0, the blocks' sums added to C in order; then the epilogue
// as epilogue_generic takes it. Shapes: every m and n in 1..40, k across the block boundaries,
// every transpose, with and without the epilogue. The epilogue alone, the sparse first layer's
// kernels (against their rules in gemm_kernels.hpp), and Adam (against its formula, one operation
// at a time). And the dispatch: which set runs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cpu_features.hpp"
#include "kernels/gemm.hpp"
#include "kernels/gemm_kernels.hpp"
#include "kernels/kernel_choice.hpp"
#include "kernels/optimizer_kernels.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/nn/threads.hpp"

#if defined(__x86_64__)
namespace mlp::gemm_detail {
// The AVX-512 kernels compiled on emulated registers into this binary (tests/CMakeLists.txt,
// src/kernels/x86/avx512/entry_points.hpp). They need AVX2 and FMA.
KernelSet<float> avx512_kernels_f32_emulated();
KernelSet<double> avx512_kernels_f64_emulated();
}  // namespace mlp::gemm_detail
namespace mlp::optimizer_detail {
void adam_avx512_f32_emulated(Size n, float* w, const float* g, float* m, float* v, float b1,
                              float b2, float s, float r, float eps);
void adam_avx512_f64_emulated(Size n, double* w, const double* g, double* m, double* v, double b1,
                              double b2, double s, double r, double eps);
}  // namespace mlp::optimizer_detail
#endif

namespace {

using mlp::GemmKernel;
using mlp::Index;
using mlp::Transpose;
using mlp::gemm_detail::KernelSet;

template <class T>
struct NamedSet {
  std::string name;
  KernelSet<T> set;
};

template <class T>
KernelSet<T> avx2_set() {
  if constexpr (std::is_same_v<T, float>)
    return mlp::gemm_detail::avx2_kernels_f32();
  else
    return mlp::gemm_detail::avx2_kernels_f64();
}

// Every SIMD set this CPU can run, the emulated AVX-512 one included.
template <class T>
std::vector<NamedSet<T>> simd_sets() {
  std::vector<NamedSet<T>> out;
#if defined(__x86_64__)
  if (mlp::detail::cpu_has_avx2_fma()) {
    out.push_back({"avx2", avx2_set<T>()});
    if constexpr (std::is_same_v<T, float>)
      out.push_back({"avx512 emulated", mlp::gemm_detail::avx512_kernels_f32_emulated()});
    else
      out.push_back({"avx512 emulated", mlp::gemm_detail::avx512_kernels_f64_emulated()});
  }
  if (mlp::detail::cpu_has_avx512()) {
    if constexpr (std::is_same_v<T, float>)
      out.push_back({"avx512", mlp::gemm_detail::avx512_kernels_f32()});
    else
      out.push_back({"avx512", mlp::gemm_detail::avx512_kernels_f64()});
  }
#endif
  return out;
}

// Uniform in [-1, 1), with every `zero_every`-th entry exactly zero (0: none), so that the kernels
// that skip zero factors (small_rows) and the epilogue's gate at 0 are exercised.
template <class T>
std::vector<T> random_values(Index count, std::uint64_t seed, Index zero_every = 0) {
  mlp::Random rng(seed);
  std::vector<T> out(static_cast<std::size_t>(count));
  for (Index i = 0; i < count; ++i)
    out[static_cast<std::size_t>(i)] =
        zero_every > 0 && i % zero_every == 0 ? T(0) : static_cast<T>(rng.uniform(-1.0, 1.0));
  return out;
}

// gemm_kernels.hpp's rule, term by term (see the top of this file).
template <class T>
void fma_rule_product(Transpose ta, Transpose tb, Index m, Index n, Index k, const T* A, Index lda,
                      const T* B, Index ldb, T* C, Index ldc) {
  const Index block = mlp::gemm_detail::sum_block_length<T>(k);
  for (Index i = 0; i < m; ++i)
    for (Index j = 0; j < n; ++j) {
      T c = T(0);
      for (Index p0 = 0; p0 < k; p0 += block) {
        T s = T(0);
        for (Index p = p0; p < std::min(k, p0 + block); ++p) {
          const T a = ta == Transpose::no ? A[i * lda + p] : A[p * lda + i];
          const T b = tb == Transpose::no ? B[p * ldb + j] : B[j * ldb + p];
          s = std::fma(a, b, s);
        }
        c = p0 == 0 ? s : c + s;
      }
      C[i * ldc + j] = c;
    }
}

template <class T>
::testing::AssertionResult same_bits(const std::vector<T>& got, const std::vector<T>& want) {
  for (std::size_t i = 0; i < want.size(); ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(T)) != 0)
      return ::testing::AssertionFailure()
             << "element " << i << ": " << got[i] << " instead of " << want[i];
  return ::testing::AssertionSuccess();
}

// One product by `set` against the rule, C and relu_out strided with sentinels past each row.
template <class T>
void check_set_product(const NamedSet<T>& named, Transpose ta, Transpose tb, Index m, Index n,
                       Index k, bool epilogue) {
  SCOPED_TRACE(testing::Message() << named.name << ": " << m << "x" << n << "x" << k << " ta "
                                  << (ta == Transpose::yes) << " tb " << (tb == Transpose::yes)
                                  << " epilogue " << epilogue);
  const Index pad = 3;
  const Index lda = (ta == Transpose::no ? k : m) + pad, ldb = (tb == Transpose::no ? n : k) + pad;
  const Index ldc = n + pad;
  const auto A = random_values<T>((ta == Transpose::no ? m : k) * lda, 1, m <= 4 ? 3 : 0);
  const auto B = random_values<T>((tb == Transpose::no ? k : n) * ldb, 2);
  const auto bias = random_values<T>(n, 3);
  const auto gate = random_values<T>(m * n, 4, 7);
  std::vector<T> C(static_cast<std::size_t>(m * ldc), T(7)), want = C;
  std::vector<T> R(static_cast<std::size_t>(m * ldc), T(5)), want_R = R;
  mlp::GemmEpilogue<T> ep, want_ep;
  if (epilogue) {
    ep.bias = want_ep.bias = bias.data();
    ep.gate = want_ep.gate = gate.data();
    ep.ld_gate = want_ep.ld_gate = n;
    ep.relu_out = R.data();
    want_ep.relu_out = want_R.data();
    ep.ld_relu_out = want_ep.ld_relu_out = ldc;
  }
  mlp::gemm_detail::gemm_with_kernels<T>(named.set, ta, tb, m, n, k, A.data(), lda, B.data(), ldb,
                                         C.data(), ldc, ep);
  fma_rule_product<T>(ta, tb, m, n, k, A.data(), lda, B.data(), ldb, want.data(), ldc);
  if (epilogue)
    mlp::gemm_detail::epilogue_generic<T>(m, n, want.data(), ldc, want_ep.bias, want_ep.gate,
                                          want_ep.ld_gate, want_ep.relu_out, want_ep.ld_relu_out);
  ASSERT_TRUE(same_bits(C, want));
  ASSERT_TRUE(same_bits(R, want_R));
}

template <class T>
void check_every_small_shape() {
  const auto sets = simd_sets<T>();
  if (sets.empty()) GTEST_SKIP() << "this CPU has no AVX2 and FMA";
  for (const auto& named : sets)
    for (Index m = 1; m <= 40; ++m)
      for (Index n = 1; n <= 40; ++n)
        for (Transpose ta : {Transpose::no, Transpose::yes})
          for (Transpose tb : {Transpose::no, Transpose::yes}) {
            check_set_product<T>(named, ta, tb, m, n, 3 + (m + n) % 5, (m + n) % 2 == 1);
            if (testing::Test::HasFatalFailure()) return;
          }
}

TEST(KernelSets, EveryShapeUpTo40GivesTheRulesBitsInFloat) {
  check_every_small_shape<float>();
}
TEST(KernelSets, EveryShapeUpTo40GivesTheRulesBitsInDouble) {
  check_every_small_shape<double>();
}

// k across gemm's blocks of the sum (256), m across its blocks of rows (96) and the tiles, n
// across its blocks of columns (1024 floats, 512 doubles).
template <class T>
void check_blocked_shapes() {
  const auto sets = simd_sets<T>();
  if (sets.empty()) GTEST_SKIP() << "this CPU has no AVX2 and FMA";
  struct Shape {
    Index m, n, k;
  };
  const std::vector<Shape> shapes = {{1, 1, 257},   {4, 33, 513},   {3, 300, 700},  {12, 32, 256},
                                     {13, 33, 255}, {25, 47, 512},  {40, 40, 600},  {37, 61, 300},
                                     {97, 130, 70}, {200, 9, 513},  {11, 1100, 40}, {24, 64, 0},
                                     {2, 5, 1},     {1, 600, 1000}, {2, 200, 300},  {3, 120, 90}};
  for (const auto& named : sets)
    for (const Shape& s : shapes)
      for (Transpose ta : {Transpose::no, Transpose::yes})
        for (Transpose tb : {Transpose::no, Transpose::yes})
          for (bool epilogue : {false, true}) {
            check_set_product<T>(named, ta, tb, s.m, s.n, s.k, epilogue);
            if (testing::Test::HasFatalFailure()) return;
          }
}

TEST(KernelSets, BlockedShapesGiveTheRulesBitsInFloat) {
  check_blocked_shapes<float>();
}
TEST(KernelSets, BlockedShapesGiveTheRulesBitsInDouble) {
  check_blocked_shapes<double>();
}

// The epilogue kernel alone, on every width up to 40 and every combination of its steps, with the
// values that tell its comparisons apart: gates of 0, -0 and NaN, sums of -0 and NaN.
template <class T>
void check_epilogues() {
  const auto sets = simd_sets<T>();
  if (sets.empty()) GTEST_SKIP() << "this CPU has no AVX2 and FMA";
  const T nan = std::numeric_limits<T>::quiet_NaN();
  const T specials[] = {T(0), T(-0.0), nan, T(1), T(-1)};
  for (const auto& named : sets)
    for (Index cols = 1; cols <= 40; ++cols)
      for (int steps = 0; steps < 8; ++steps) {
        SCOPED_TRACE(testing::Message()
                     << named.name << ": " << cols << " columns, steps " << steps);
        const Index rows = 3, ld = cols + 2;
        auto C = random_values<T>(rows * ld, 5);
        auto gate = random_values<T>(rows * ld, 6);
        const auto bias = random_values<T>(cols, 7);
        for (Index i = 0; i < rows * ld; i += 3) {
          C[static_cast<std::size_t>(i)] = specials[i % 5];
          gate[static_cast<std::size_t>(i + 1 < rows * ld ? i + 1 : i)] = specials[(i / 3) % 5];
        }
        auto want = C;
        std::vector<T> R(static_cast<std::size_t>(rows * ld), T(9)), want_R = R;
        const T* b = steps & 1 ? bias.data() : nullptr;
        const T* g = steps & 2 ? gate.data() : nullptr;
        named.set.epilogue(rows, cols, C.data(), ld, b, g, ld, steps & 4 ? R.data() : nullptr, ld);
        mlp::gemm_detail::epilogue_generic<T>(rows, cols, want.data(), ld, b, g, ld,
                                              steps & 4 ? want_R.data() : nullptr, ld);
        ASSERT_TRUE(same_bits(C, want));
        ASSERT_TRUE(same_bits(R, want_R));
      }
}

TEST(KernelSets, EpiloguesGiveThePortableBitsInFloat) {
  check_epilogues<float>();
}
TEST(KernelSets, EpiloguesGiveThePortableBitsInDouble) {
  check_epilogues<double>();
}

// ---- the sparse first layer's kernels --------------------------------------------------------

// `count` ascending positions in [0, rows) and their values (some exactly zero, some -0).
template <class T>
void sparse_entries(Index count, Index rows, std::uint64_t seed, std::vector<std::int32_t>& index,
                    std::vector<T>& value) {
  mlp::Random rng(seed);
  index.clear();
  for (Index r = 0; r < rows && static_cast<Index>(index.size()) < count; ++r)
    if (rng.uniform(0.0, 1.0) < static_cast<double>(count) / static_cast<double>(rows) + 0.1)
      index.push_back(static_cast<std::int32_t>(r));
  value = random_values<T>(static_cast<Index>(index.size()), seed + 1, 6);
}

// SparseRowsKernel's rule: each column's terms fused-multiply-added in order from +0, then added.
template <class T>
void sparse_rows_rule(const std::vector<std::int32_t>& index, const std::vector<T>& value,
                      const T* M, Index ldm, Index n, T* out, bool accumulate) {
  for (Index j = 0; j < n; ++j) {
    T s = T(0);
    for (std::size_t t = 0; t < index.size(); ++t) s = std::fma(value[t], M[index[t] * ldm + j], s);
    out[j] = accumulate ? out[j] + s : s;
  }
}

// SparsePanelKernel's rule: the blocks of positions' sums as above, added in order, then the bias
// and the ReLU.
template <class T>
void sparse_panel_rule(const std::vector<std::int32_t>& index, const std::vector<T>& value,
                       const T* P, Index width, Index block_length, const T* bias, bool relu,
                       T* out) {
  for (Index j = 0; j < width; ++j) {
    T total = T(0);
    bool stored = false;
    for (std::size_t t = 0; t < index.size();) {
      const Index block = index[t] / block_length;
      T s = T(0);
      for (; t < index.size() && index[t] / block_length == block; ++t)
        s = std::fma(value[t], P[index[t] * width + j], s);
      total = stored ? total + s : s;
      stored = true;
    }
    const T z = (stored ? total : T(0)) + bias[j];
    out[j] = relu && z < T(0) ? T(0) : z;
  }
}

// SparseGroupKernel: each row's values those of sparse_rows' rule over its own nonzero weights,
// for groups of 1 - 4 rows whose weights lie row by row or position by position (lda, ldp), a
// third of each row's weights at the union's positions zero.
template <class T>
void check_sparse_group(const KernelSet<T>& set, const std::vector<std::int32_t>& index, const T* M,
                        Index ldm, Index n, Index positions) {
  const auto size = static_cast<Index>(index.size());
  for (int rows = 1; rows <= mlp::gemm_detail::kSparseGroupRows; ++rows)
    for (bool by_position : {false, true}) {
      const Index lda = by_position ? 1 : positions + 1, ldp = by_position ? rows + 1 : 1;
      std::vector<T> X(static_cast<std::size_t>(by_position ? positions * ldp : rows * lda), T(0));
      const auto weights = random_values<T>(rows * size + 1, 11, 6);
      for (int a = 0; a < rows; ++a)
        for (Index t = 0; t < size; ++t)
          X[static_cast<std::size_t>(a * lda + index[t] * ldp)] =
              (t + a) % 3 == 0 ? T(0) : weights[static_cast<std::size_t>(a * size + t)];
      const Index ldo = n + 3;  // 3 sentinels past each row
      for (bool accumulate : {false, true}) {
        auto out = random_values<T>(rows * ldo, 12), want = out;
        set.sparse_group(size, index.data(), X.data(), lda, ldp, rows, M, ldm, n, out.data(), ldo,
                         accumulate);
        for (int a = 0; a < rows; ++a) {
          std::vector<std::int32_t> own;
          std::vector<T> own_value;
          for (Index t = 0; t < size; ++t) {
            const T x = X[static_cast<std::size_t>(a * lda + index[t] * ldp)];
            if (x != T(0)) {
              own.push_back(index[t]);
              own_value.push_back(x);
            }
          }
          sparse_rows_rule<T>(own, own_value, M, ldm, n, want.data() + a * ldo, accumulate);
        }
        ASSERT_TRUE(same_bits(out, want)) << "sparse_group, " << rows << " rows, by position "
                                          << by_position << ", accumulate " << accumulate;
      }
    }
}

template <class T>
void check_sparse_kernels() {
  const auto sets = simd_sets<T>();
  if (sets.empty()) GTEST_SKIP() << "this CPU has no AVX2 and FMA";
  std::vector<std::int32_t> index;
  std::vector<T> value;
  const Index rows = 300;
  for (const auto& named : sets)
    for (Index count : {0, 1, 5, 40, 200})
      for (Index n = 1; n <= 300; n += n < 40 ? 1 : 37) {
        SCOPED_TRACE(testing::Message()
                     << named.name << ": " << count << " entries, " << n << " columns");
        sparse_entries<T>(count, rows, static_cast<std::uint64_t>(7 * n + count), index, value);
        const Index ldm = n + 2;
        const auto M = random_values<T>(rows * ldm, 8);
        for (bool accumulate : {false, true}) {
          auto out = random_values<T>(n + 3, 9), want = out;  // 3 sentinels past n
          named.set.sparse_rows(static_cast<Index>(index.size()), index.data(), value.data(),
                                M.data(), ldm, n, out.data(), accumulate);
          sparse_rows_rule<T>(index, value, M.data(), ldm, n, want.data(), accumulate);
          ASSERT_TRUE(same_bits(out, want)) << "sparse_rows, accumulate " << accumulate;
        }
        check_sparse_group<T>(named.set, index, M.data(), ldm, n, rows);
        const auto bias = random_values<T>(n, 10);
        for (Index block_length : {7, 256})
          for (bool relu : {false, true}) {
            std::vector<T> out(static_cast<std::size_t>(n + 3), T(3)), want = out;
            named.set.sparse_panel(static_cast<Index>(index.size()), index.data(), value.data(),
                                   M.data(), n, block_length, bias.data(), relu, out.data());
            sparse_panel_rule<T>(index, value, M.data(), n, block_length, bias.data(), relu,
                                 want.data());
            ASSERT_TRUE(same_bits(out, want))
                << "sparse_panel, block length " << block_length << ", relu " << relu;
          }
      }
}

TEST(KernelSets, SparseKernelsGiveTheRulesBitsInFloat) {
  check_sparse_kernels<float>();
}
TEST(KernelSets, SparseKernelsGiveTheRulesBitsInDouble) {
  check_sparse_kernels<double>();
}

// nonzeros: every entry that is not zero (NaN included, -0 not), in order, and nothing written
// past kNonzerosSlack slots after the count.
template <class T>
void check_nonzeros() {
  const auto sets = simd_sets<T>();
  if (sets.empty()) GTEST_SKIP() << "this CPU has no AVX2 and FMA";
  const Index slack = mlp::gemm_detail::kNonzerosSlack;
  for (const auto& named : sets)
    for (Index n = 0; n <= 70; ++n)
      for (Index zero_every : {1, 2, 3, 17}) {
        SCOPED_TRACE(testing::Message()
                     << named.name << ": " << n << " entries, every " << zero_every << "th zero");
        auto x = random_values<T>(n, static_cast<std::uint64_t>(n), zero_every);
        for (Index j = 5; j < n; j += 11) x[static_cast<std::size_t>(j)] = T(-0.0);
        if (n > 9) x[9] = std::numeric_limits<T>::quiet_NaN();
        std::vector<std::int32_t> index(static_cast<std::size_t>(n + slack + 2), -7);
        std::vector<T> value(static_cast<std::size_t>(n + slack + 2), T(-7));
        const Index count = named.set.nonzeros(n, x.data(), index.data(), value.data());
        Index want = 0;
        for (Index j = 0; j < n; ++j) {
          const T xj = x[static_cast<std::size_t>(j)];
          if (xj == T(0)) continue;
          ASSERT_LT(want, count) << "misses entry " << j;
          EXPECT_EQ(index[static_cast<std::size_t>(want)], j);
          EXPECT_EQ(std::memcmp(&value[static_cast<std::size_t>(want)], &xj, sizeof(T)), 0);
          ++want;
        }
        ASSERT_EQ(count, want);
        for (std::size_t t = static_cast<std::size_t>(count + slack); t < index.size(); ++t) {
          ASSERT_EQ(index[t], -7) << "wrote past the slack";
          ASSERT_EQ(value[t], T(-7)) << "wrote past the slack";
        }
      }
}

// nonzero_union (where a set has it): every position where one of the rows is not zero (NaN
// included, -0 not), in order, and nothing written past the count.
template <class T>
void check_nonzero_union() {
  Index sets_with_it = 0;
  for (const auto& named : simd_sets<T>()) {
    if (named.set.nonzero_union == nullptr) continue;
    ++sets_with_it;
    for (int rows = 1; rows <= mlp::gemm_detail::kSparseGroupRows; ++rows)
      for (Index n = 0; n <= 70; n += n < 20 ? 1 : 7) {
        SCOPED_TRACE(testing::Message() << named.name << ": " << rows << " rows of " << n);
        const Index ldx = n + 3;
        std::vector<T> X(static_cast<std::size_t>(rows * ldx));
        mlp::Random rng(static_cast<std::uint64_t>(n + 100 * rows));
        for (T& x : X)  // about one entry in 5 nonzero, some -0, a NaN
          x = rng.uniform(0.0, 1.0) < 0.2 ? static_cast<T>(rng.uniform(-1.0, 1.0))
                                          : (rng.uniform(0.0, 1.0) < 0.5 ? T(-0.0) : T(0));
        if (n > 9) X[9] = std::numeric_limits<T>::quiet_NaN();
        std::vector<std::int32_t> index(static_cast<std::size_t>(n + 2), -7);
        const Index count = named.set.nonzero_union(rows, X.data(), ldx, n, index.data());
        std::vector<std::int32_t> want;
        for (Index j = 0; j < n; ++j) {
          bool any = false;
          for (int a = 0; a < rows; ++a)
            any = any || X[static_cast<std::size_t>(a * ldx + j)] != T(0);
          if (any) want.push_back(static_cast<std::int32_t>(j));
        }
        ASSERT_EQ(count, static_cast<Index>(want.size()));
        for (Index t = 0; t < count; ++t) ASSERT_EQ(index[static_cast<std::size_t>(t)], want[t]);
        for (std::size_t t = static_cast<std::size_t>(count); t < index.size(); ++t)
          ASSERT_EQ(index[t], -7) << "wrote past the count";
      }
  }
  if (sets_with_it == 0) GTEST_SKIP() << "no kernel set of this CPU has nonzero_union";
}

TEST(KernelSets, NonzeroUnionIndexesEveryPositionAnyRowUsesInFloat) {
  check_nonzero_union<float>();
}
TEST(KernelSets, NonzeroUnionIndexesEveryPositionAnyRowUsesInDouble) {
  check_nonzero_union<double>();
}

TEST(KernelSets, NonzerosIndexEveryNonzeroEntryInOrderInFloat) {
  check_nonzeros<float>();
}
TEST(KernelSets, NonzerosIndexEveryNonzeroEntryInOrderInDouble) {
  check_nonzeros<double>();
}

// ---- Adam ---------------------------------------------------------------------------------------

template <class T>
struct NamedAdam {
  std::string name;
  mlp::optimizer_detail::AdamKernel<T> kernel;
};

// The in-force kernel and every SIMD one this CPU can run, the emulated AVX-512 one included.
template <class T>
std::vector<NamedAdam<T>> adam_kernels() {
  namespace o = mlp::optimizer_detail;
  constexpr bool f32 = std::is_same_v<T, float>;
  std::vector<NamedAdam<T>> out{{"in force", o::best_adam_kernel<T>()}};
#if defined(__x86_64__)
  if (mlp::detail::cpu_has_avx2_fma()) {
    if constexpr (f32) {
      out.push_back({"avx2", o::adam_avx2_f32});
      out.push_back({"avx512 emulated", o::adam_avx512_f32_emulated});
    } else {
      out.push_back({"avx2", o::adam_avx2_f64});
      out.push_back({"avx512 emulated", o::adam_avx512_f64_emulated});
    }
  }
  if (mlp::detail::cpu_has_avx512()) {
    if constexpr (f32)
      out.push_back({"avx512", o::adam_avx512_f32});
    else
      out.push_back({"avx512", o::adam_avx512_f64});
  }
#endif
  return out;
}

// optimizer_kernels.hpp's formula, one operation at a time (this file fuses no multiply-add).
template <class T>
void adam_rule(Index n, T* w, const T* g, T* m, T* v, T b1, T b2, T s, T r, T eps) {
  for (Index i = 0; i < n; ++i) {
    const T mi = b1 * m[i] + (T(1) - b1) * g[i];
    const T vi = b2 * v[i] + (T(1) - b2) * (g[i] * g[i]);
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i] - (s * mi) / (std::sqrt(vi) * r + eps);
  }
}

template <class T>
void check_adam() {
  const T b1 = T(0.9), b2 = T(0.999), s = T(0.0013), r = T(1.7), eps = T(1e-8);
  for (const auto& named : adam_kernels<T>())
    for (Index n : {0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 40, 1001}) {
      SCOPED_TRACE(testing::Message() << named.name << ": " << n << " parameters");
      // One past n on each buffer: the kernel must not touch it.
      auto w = random_values<T>(n + 1, 11), g = random_values<T>(n + 1, 12, 5);
      auto m = random_values<T>(n + 1, 13), v = random_values<T>(n + 1, 14);
      for (T& x : v) x = std::abs(x);
      auto want_w = w, want_m = m, want_v = v;
      named.kernel(n, w.data(), g.data(), m.data(), v.data(), b1, b2, s, r, eps);
      adam_rule<T>(n, want_w.data(), g.data(), want_m.data(), want_v.data(), b1, b2, s, r, eps);
      ASSERT_TRUE(same_bits(w, want_w));
      ASSERT_TRUE(same_bits(m, want_m));
      ASSERT_TRUE(same_bits(v, want_v));
    }
}

TEST(KernelSets, AdamGivesTheRulesBitsInFloat) {
  check_adam<float>();
}
TEST(KernelSets, AdamGivesTheRulesBitsInDouble) {
  check_adam<double>();
}

// ---- dispatch ---------------------------------------------------------------------------------

TEST(KernelSets, TheSetInForceIsTheBestTheCpuHasUnlessMlpKernelsNamesOne) {
  const char* forced = std::getenv("MLP_KERNELS");
  const std::string best = mlp::detail::cpu_has_avx512()     ? "avx512"
                           : mlp::detail::cpu_has_avx2_fma() ? "avx2"
                                                             : "portable";
  if (forced == nullptr || *forced == '\0') {
    EXPECT_EQ(mlp::kernel_set(), best);
  } else {
    EXPECT_EQ(mlp::kernel_set(), std::string(forced));  // CI may force a set the CPU has
  }
  EXPECT_EQ(mlp::gemm_best_kernel_name(), mlp::kernel_set());
  EXPECT_EQ(mlp::gemm_kernel_available(GemmKernel::avx512), mlp::detail::cpu_has_avx512());
  EXPECT_EQ(mlp::gemm_kernel_available(GemmKernel::avx2), mlp::detail::cpu_has_avx2_fma());
  // GemmKernel::best runs the set in force: the same tile.
  const auto& in_force = mlp::gemm_detail::kernels_for<float>(GemmKernel::best);
  const GemmKernel named = mlp::kernel_set() == std::string("avx512") ? GemmKernel::avx512
                           : mlp::kernel_set() == std::string("avx2") ? GemmKernel::avx2
                                                                      : GemmKernel::generic;
  EXPECT_EQ(in_force.micro, mlp::gemm_detail::kernels_for<float>(named).micro);
}

TEST(KernelSets, AnAvx512CpuImpliesAvx2AndFma) {
  if (!mlp::detail::cpu_has_avx512()) GTEST_SKIP() << "this CPU has no AVX-512";
  EXPECT_TRUE(mlp::detail::cpu_has_avx2_fma());  // the AVX-512 set uses the AVX2 sparse kernels
}

}  // namespace
