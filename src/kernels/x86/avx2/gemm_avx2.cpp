// AVX2 + FMA kernels of the matrix product, compiled with -mavx2 -mfma (see CMakeLists.txt) and
// called only when the CPU has both (gemm.cpp checks with __builtin_cpu_supports).
//
// This file includes no library or standard header with inline code: everything here is in an
// anonymous namespace or is one of the two exported functions, so no AVX2 instruction can leak
// into code that runs on other CPUs (see gemm_kernels.hpp). The kernels are written once, over the
// registers of each precision (x86/gemm_register_kernels.hpp, shared with the AVX-512 set as
// source, never as code), on AVX2's registers (F32, F64 in lanes.hpp).
#include "kernels/gemm_kernels.hpp"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include "kernels/x86/avx2/lanes.hpp"
#include "kernels/x86/gemm_register_kernels.hpp"

namespace mlp::gemm_detail {

namespace {

using avx2::F32;
using avx2::F64;

// The tile: 6 rows x 2 registers (6 x 16 floats, 6 x 8 doubles), 12 of the 16 ymm registers as
// accumulators, 2 for B's row and 1 for the broadcast of A's value.
constexpr int kRows = 6;
constexpr int kRegs = 2;  // registers per row of the tile

}  // namespace

KernelSet<float> avx2_kernels_f32() {
  return {kRows,
          kRegs * F32::lanes,
          micro<F32, kRows, kRegs>,
          micro_rows<F32, kRows, kRegs>,
          small_rows<F32>,
          sparse_rows_avx2_f32,
          sparse_row_registers(F32::registers) * F32::lanes,
          sparse_group_avx2_f32,
          nullptr,  // the union from the sparse index
          sparse_panel_avx2_f32,
          nonzeros_avx2_f32,
          epilogue<F32>};
}

KernelSet<double> avx2_kernels_f64() {
  return {kRows,
          kRegs * F64::lanes,
          micro<F64, kRows, kRegs>,
          micro_rows<F64, kRows, kRegs>,
          small_rows<F64>,
          sparse_rows_avx2_f64,
          sparse_row_registers(F64::registers) * F64::lanes,
          sparse_group_avx2_f64,
          nullptr,  // the union from the sparse index
          sparse_panel_avx2_f64,
          nonzeros_avx2_f64,
          epilogue<F64>};
}

}  // namespace mlp::gemm_detail

#endif  // x86-64 with -mavx2 -mfma
