// Internal to the library: the float softmax of a matrix's rows, the chapter's
// a_j = e^(z_j) / sum_k e^(z_k), computed as e^(z_j - max z) / sum_k e^(z_k - max z) so that no
// exponential overflows. The exponentials are the library's own (sigmoid_f64.hpp: e^-a =
// 2^-n (1 + q)), taken in double and rounded to float, in two implementations that give the same
// bits: softmax_f32 (portable C++) and softmax_f32_avx2 (4 values per register). The rest is
// float arithmetic in a fixed order: the row's maximum, the differences z_j - max z, the sum of
// the exponentials in column order, one division per value.
//
// Accuracy: the double exponential is within 1.5 ulp (of a double) of e^x, so the float is the
// correctly rounded e^x except within about 2^-29 of a rounding boundary; glibc's expf is within
// 1 ulp. For x < -120 (e^x below half the smallest float) the result is 0; NaN stays NaN.
#pragma once

#include <cstddef>

namespace mlp::softmax_detail {

// Past it, e^-a rounds to 0 in float (e^-104 already does).
constexpr double kFloatUnderflowLimit = 120.0;

// e^x for x <= 0 or NaN, in double and rounded to float, as both implementations compute it.
float exp_nonpositive(float x);

// Row i of a (row stride lda) = softmax of row i of z (row stride ldz), for `rows` rows of `cols`
// values; a may be z.
void softmax_f32(const float* z, std::ptrdiff_t ldz, float* a, std::ptrdiff_t lda,
                 std::ptrdiff_t rows, std::ptrdiff_t cols);
// The same with AVX2; call only when the CPU has it.
void softmax_f32_avx2(const float* z, std::ptrdiff_t ldz, float* a, std::ptrdiff_t lda,
                      std::ptrdiff_t rows, std::ptrdiff_t cols);

}  // namespace mlp::softmax_detail
