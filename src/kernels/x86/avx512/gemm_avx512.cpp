// AVX-512 kernels of the matrix product, compiled with -mavx512f -mavx512vl -mavx512bw -mavx512dq
// -mfma (see CMakeLists.txt) and called only when the CPU has them all (cpu_has_avx512 in
// cpu_features.hpp); compiled a second time into the test binary on emulated registers
// (entry_points.hpp).
//
// The kernels are x86/gemm_register_kernels.hpp's, the AVX2 set's, on zmm registers (zmm.hpp);
// they give the AVX2 set's bits. Like gemm_avx2.cpp, this file includes nothing with inline code
// but those headers (everything in anonymous namespaces), so no AVX-512 instruction can reach
// code that runs on other CPUs (see gemm_kernels.hpp).
//
// The tile: 12 rows x 2 registers, 12 x 32 floats (12 x 16 doubles). Its 24 accumulators, B's
// 2 registers and the broadcast of A's value take 27 of the 32 zmm registers. Per step of the sum
// it loads 2 registers of B and 12 values of A for 24 FMAs: 1.7 FMAs per load, against 1.5 for
// AVX2's 6 x 2, within the two loads and two FMAs per cycle of Skylake-SP and its successors. This
// is BLIS's SKX sgemm tile (32 x 12 in its column-major terms: its C is column-major, ours
// row-major, so its mr is our nr). A 12-row panel of A is 48 bytes per step (96 for doubles), and
// gemm.cpp's blocking (mc = 96 rows: 8 panels; nc = 1024 or 512 columns: whole panels of 32 or 16)
// fits it unchanged. The sparse kernels are in sparse_avx512.cpp.
#include "kernels/x86/avx512/entry_points.hpp"

#include "kernels/x86/avx512/zmm.hpp"

#if defined(MLP_HAVE_ZMM)
#include "kernels/x86/gemm_register_kernels.hpp"

namespace mlp::gemm_detail {

namespace {

using avx512::F32;
using avx512::F64;

constexpr int kRows = 12;
constexpr int kRegs = 2;  // registers per row of the tile

}  // namespace

KernelSet<float> MLP_AVX512_ENTRY(avx512_kernels_f32)() {
  return {kRows,
          kRegs * F32::lanes,
          micro<F32, kRows, kRegs>,
          micro_rows<F32, kRows, kRegs>,
          small_rows<F32>,
          MLP_AVX512_ENTRY(sparse_rows_avx512_f32),
          sparse_row_registers(F32::registers) * F32::lanes,
          MLP_AVX512_ENTRY(sparse_group_avx512_f32),
          MLP_AVX512_ENTRY(nonzero_union_avx512_f32),
          MLP_AVX512_ENTRY(sparse_panel_avx512_f32),
          MLP_AVX512_ENTRY(nonzeros_avx512_f32),
          epilogue<F32>};
}

KernelSet<double> MLP_AVX512_ENTRY(avx512_kernels_f64)() {
  return {kRows,
          kRegs * F64::lanes,
          micro<F64, kRows, kRegs>,
          micro_rows<F64, kRows, kRegs>,
          small_rows<F64>,
          MLP_AVX512_ENTRY(sparse_rows_avx512_f64),
          sparse_row_registers(F64::registers) * F64::lanes,
          MLP_AVX512_ENTRY(sparse_group_avx512_f64),
          MLP_AVX512_ENTRY(nonzero_union_avx512_f64),
          MLP_AVX512_ENTRY(sparse_panel_avx512_f64),
          MLP_AVX512_ENTRY(nonzeros_avx512_f64),
          epilogue<F64>};
}

}  // namespace mlp::gemm_detail

#endif  // MLP_HAVE_ZMM
