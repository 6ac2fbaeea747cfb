// mlp's side of bench/compare: runs one workload once and prints one JSON object on stdout.
// bench/compare runs it (and the peers) several times, interleaved, and takes medians.
//
//   mlp_bench xor [--iterations N]                     the chapter's XOR, 2-3-1 sigmoid, full batch
//   mlp_bench train --threads T [--batch B] [--samples N] [--width H] [--synthetic] [--warm]
//                   [--epochs E]                     "seconds" is then the mean epoch's
//                   [--shallow]                      784-H-10 instead of 784-H-H/2-10
//                   [--deep]                         784-H-H-H-10 instead
//                   [--ranks] [--sync-every K]       data-parallel (under mpirun: every rank)
//                   [--block-rows R]                 FitOptions::gradient_block_rows
//                   [--messages]                     --ranks exchanging by messages, as between
//                                                      machines, not through shared memory
//                   [--bucket-bytes B]               FitOptions::exchange_bucket_bytes
//                                                      one epoch of 784-H-H/2-10 (default H = 256)
//   mlp_bench infer-batch --threads T [--samples N]    predict_proba on N samples in one call
//   mlp_bench infer-one [--samples N]                  predict_proba one sample at a time
//   mlp_bench gemm --threads T [--size N]              C = A B, N x N x N, float (best of 5)
//   mlp_bench onnx --out PREFIX [--samples N]          the infer workloads' network as ONNX
//                   (PREFIX.onnx, by the exporter of `mlp export --format onnx`) and its
//                   probabilities of the first N samples (default 100; PREFIX.probabilities,
//                   float32 row by row), for the ONNX Runtime peer to check itself against
//
// Times are seconds inside the process (data loading and set-up excluded), measured with
// std::chrono::steady_clock; train also gives the process's CPU seconds ("cpu_seconds"), and with
// --ranks the seconds spent in the exchange ("exchange_seconds", and its CPU seconds,
// "exchange_cpu_seconds", MPI polling while it waits: rank 0's; only rank 0 prints), and the
// share of the thread pool's jobs that ran on one thread because the others did not pay
// ("jobs_alone", src/kernels/thread_payoff.hpp).
// --ranks trains with a communicator (FitOptions::communicator): the processes mpirun started,
// or one process alone (the block arithmetic without any exchange).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kernels/gemm.hpp"
#include "kernels/thread_pool.hpp"
#include "learn/sweep_fast_path.hpp"
#include "mlp/core/random.hpp"
#include "mlp/data/idx.hpp"
#include "mlp/distributed/world.hpp"
#include "mlp/export/onnx_export.hpp"
#include "mlp/learn/xor.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/nn/threads.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The CPU seconds this process (all its threads), or this thread, has used so far.
double cpu_seconds_of(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}
double process_cpu_seconds() {
  return cpu_seconds_of(CLOCK_PROCESS_CPUTIME_ID);
}

// A communicator that times the collective calls of another (the exchange's share of a step).
class TimedCommunicator final : public mlp::Communicator {
 public:
  // messages_only: share_memory gives null (the exchange by messages, as between machines).
  TimedCommunicator(mlp::Communicator& inner, bool messages_only)
      : inner_(inner), messages_only_(messages_only) {}
  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  void allgather(std::span<const float> mine, std::span<float> all,
                 std::span<const mlp::Index> counts) override {
    timed([&] { inner_.allgather(mine, all, counts); });
  }
  void allgather(std::span<const double> mine, std::span<double> all,
                 std::span<const mlp::Index> counts) override {
    timed([&] { inner_.allgather(mine, all, counts); });
  }
  std::unique_ptr<mlp::Request> make_request() override {
    return std::make_unique<TimedRequest>(*this, inner_.make_request());
  }
  void start_alltoall(std::span<const float> send, std::span<const mlp::Index> send_counts,
                      std::span<float> recv, std::span<const mlp::Index> recv_counts,
                      mlp::Request& request) override {
    timed([&] {
      inner_.start_alltoall(send, send_counts, recv, recv_counts,
                            static_cast<TimedRequest&>(request).inner());
    });
  }
  void start_alltoall(std::span<const double> send, std::span<const mlp::Index> send_counts,
                      std::span<double> recv, std::span<const mlp::Index> recv_counts,
                      mlp::Request& request) override {
    timed([&] {
      inner_.start_alltoall(send, send_counts, recv, recv_counts,
                            static_cast<TimedRequest&>(request).inner());
    });
  }
  void allreduce_sum(std::span<double> values) override {
    timed([&] { inner_.allreduce_sum(values); });
  }
  void broadcast(std::span<double> values, int root) override {
    timed([&] { inner_.broadcast(values, root); });
  }
  bool any(bool flag) override {
    bool result = false;
    timed([&] { result = inner_.any(flag); });
    return result;
  }
  // Its synchronisations timed too (the waits of the shared-memory exchange).
  std::unique_ptr<mlp::SharedMemory> share_memory(std::size_t bytes) override {
    if (messages_only_) return nullptr;
    std::unique_ptr<mlp::SharedMemory> inner = inner_.share_memory(bytes);
    if (inner == nullptr) return nullptr;
    return std::make_unique<TimedMemory>(*this, std::move(inner));
  }
  double seconds = 0.0;      // inside the calls so far
  double cpu_seconds = 0.0;  // the CPU time of those (MPI polls while it waits)

 private:
  // Its tests and waits timed too.
  class TimedRequest final : public mlp::Request {
   public:
    TimedRequest(TimedCommunicator& timer, std::unique_ptr<mlp::Request> inner)
        : timer_(timer), inner_(std::move(inner)) {}
    bool test() override {
      bool done = false;
      timer_.timed([&] { done = inner_->test(); });
      return done;
    }
    void wait() override {
      timer_.timed([&] { inner_->wait(); });
    }
    mlp::Request& inner() { return *inner_; }

   private:
    TimedCommunicator& timer_;
    std::unique_ptr<mlp::Request> inner_;
  };

  class TimedMemory final : public mlp::SharedMemory {
   public:
    TimedMemory(TimedCommunicator& timer, std::unique_ptr<mlp::SharedMemory> inner)
        : timer_(timer), inner_(std::move(inner)) {}
    std::byte* part(int rank) override { return inner_->part(rank); }
    void synchronize() override {
      timer_.timed([&] { inner_->synchronize(); });
    }

   private:
    TimedCommunicator& timer_;
    std::unique_ptr<mlp::SharedMemory> inner_;
  };

  template <class Call>
  void timed(Call&& call) {
    const auto start = Clock::now();
    const double cpu_start = cpu_seconds_of(CLOCK_THREAD_CPUTIME_ID);
    call();
    seconds += seconds_since(start);
    cpu_seconds += cpu_seconds_of(CLOCK_THREAD_CPUTIME_ID) - cpu_start;
  }
  mlp::Communicator& inner_;
  bool messages_only_;
};

struct Args {
  std::string workload;
  int threads = 1;
  int iterations = 5000;
  mlp::Index batch = 128;
  mlp::Index samples = 0;  // 0: the workload's default
  mlp::Index width = 256;
  mlp::Index size = 1024;
  bool synthetic = false;
  bool warm = false;             // train: time an epoch after a first one in the same process
  int epochs = 1;                // train: epochs of the timed fit
  bool shallow = false;          // train: one hidden layer
  bool deep = false;             // train: three hidden layers of width
  bool ranks = false;            // train: data-parallel, with a communicator
  int sync_every = 0;            // train: FitOptions::sync_every
  mlp::Index block_rows = 0;     // train: FitOptions::gradient_block_rows (0: its default)
  bool messages = false;         // train: --ranks exchanging by messages, not shared memory
  mlp::Index bucket_bytes = -1;  // train: FitOptions::exchange_bucket_bytes (-1: its default)
  std::string data = MLP_BENCH_DATASETS;
  std::string out;  // onnx: the files' prefix
};

Args parse(int argc, char** argv) {
  Args a;
  if (argc < 2) {
    std::fprintf(stderr, "usage: mlp_bench xor|train|infer-batch|infer-one|gemm|onnx [options]\n");
    std::exit(2);
  }
  a.workload = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "mlp_bench: %s needs a value\n", flag.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (flag == "--threads") {
      a.threads = std::atoi(value());
    } else if (flag == "--iterations") {
      a.iterations = std::atoi(value());
    } else if (flag == "--batch") {
      a.batch = std::atol(value());
    } else if (flag == "--samples") {
      a.samples = std::atol(value());
    } else if (flag == "--width") {
      a.width = std::atol(value());
    } else if (flag == "--size") {
      a.size = std::atol(value());
    } else if (flag == "--synthetic") {
      a.synthetic = true;
    } else if (flag == "--warm") {
      a.warm = true;
    } else if (flag == "--shallow") {
      a.shallow = true;
    } else if (flag == "--deep") {
      a.deep = true;
    } else if (flag == "--bucket-bytes") {
      a.bucket_bytes = std::atol(value());
    } else if (flag == "--ranks") {
      a.ranks = true;
    } else if (flag == "--block-rows") {
      a.block_rows = std::atol(value());
    } else if (flag == "--messages") {
      a.messages = true;
    } else if (flag == "--sync-every") {
      a.sync_every = std::atoi(value());
    } else if (flag == "--epochs") {
      a.epochs = std::max(1, std::atoi(value()));
    } else if (flag == "--data") {
      a.data = value();
    } else if (flag == "--out") {
      a.out = value();
    } else {
      std::fprintf(stderr, "mlp_bench: unknown option %s\n", flag.c_str());
      std::exit(2);
    }
  }
  return a;
}

// MNIST's training images (or a synthetic set of the same shape) and one-hot labels.
void load_mnist(const Args& a, mlp::Index n, mlp::Matrix<float>& X, mlp::Matrix<float>& Y) {
  if (a.synthetic) {
    mlp::Random rng(1);
    X.resize(n, 784);
    Y.setZero(n, 10);
    for (mlp::Index i = 0; i < n; ++i) {
      for (mlp::Index j = 0; j < 784; ++j) X(i, j) = static_cast<float>(rng.uniform(0.0, 1.0));
      Y(i, static_cast<mlp::Index>(rng.uniform(0.0, 10.0))) = 1.0f;
    }
    return;
  }
  const mlp::Matrix<float> images =
      mlp::read_idx_images<float>(a.data + "/train-images-idx3-ubyte.gz");
  const std::vector<int> labels = mlp::read_idx_labels(a.data + "/train-labels-idx1-ubyte.gz");
  X.resize(n, images.cols());
  Y.setZero(n, 10);
  for (mlp::Index i = 0; i < n; ++i) {
    const mlp::Index source = i % images.rows();
    X.row(i) = images.row(source);
    Y(i, labels[static_cast<std::size_t>(source)]) = 1.0f;
  }
}

// The hidden layers' widths: H, H/2 (or H alone with --shallow, H, H, H with --deep).
std::vector<mlp::Index> hidden_widths(mlp::Index width, bool shallow = false, bool deep = false) {
  if (shallow) return {width};
  if (deep) return {width, width, width};
  return {width, std::max<mlp::Index>(width / 2, 1)};
}

mlp::Sequential<float> mnist_net(const std::vector<mlp::Index>& hidden) {
  mlp::Sequential<float> net(784);
  for (mlp::Index h : hidden) net.add(h, mlp::Activation::relu);
  net.add(10, mlp::Activation::softmax);
  net.initialize(mlp::Initializer::he_uniform(), 0);
  net.compile(mlp::Loss::categorical_crossentropy, mlp::OptimizerSpec::adam(1e-3));
  return net;
}

// Multiply-adds x 2 of one training epoch, counting only what training needs (no gradient
// with respect to the input layer).
double epoch_flops(mlp::Index n, const std::vector<mlp::Index>& hidden) {
  double forward = 0.0, backward_input = 0.0, n_in = 784;
  for (mlp::Index h : hidden) {
    forward += n_in * static_cast<double>(h);
    if (n_in != 784) backward_input += n_in * static_cast<double>(h);
    n_in = static_cast<double>(h);
  }
  forward += n_in * 10;
  backward_input += n_in * 10;
  return 2.0 * static_cast<double>(n) * (2 * forward + backward_input);
}

int run_xor(const Args& a) {
  const mlp::XorSetup chapter;
  const mlp::Matrix<double> X = mlp::xor_inputs<double>(), Y = mlp::xor_targets<double>();
  // Through the tiny-network path (what `mlp sweep` uses) and through Sequential::fit.
  mlp::FastPathNetwork spec;
  const auto start_tiny = Clock::now();
  const mlp::FastPathRun run =
      mlp::train_on_fast_path(spec, chapter.weights, chapter.seed, X, Y, a.iterations, 4);
  const double tiny_seconds = seconds_since(start_tiny);

  mlp::Sequential<double> net = mlp::xor_network<double>(chapter);
  mlp::FitOptions options;
  options.epochs = a.iterations;
  const auto start_fit = Clock::now();
  net.fit(X, Y, options);
  const double fit_seconds = seconds_since(start_fit);
  std::printf(
      "{\"workload\": \"xor\", \"iterations\": %d, \"seconds\": %.9g, \"fit_seconds\": %.9g, "
      "\"final_correct\": %ld, \"same_as_fit\": %s}\n",
      a.iterations, tiny_seconds, fit_seconds, static_cast<long>(run.final_correct),
      run.parameters == net.parameters() ? "true" : "false");
  return 0;
}

int run_train(const Args& a) {
  mlp::set_threads(a.threads);
  const mlp::Index n = a.samples > 0 ? a.samples : 60000;
  mlp::Matrix<float> X, Y;
  load_mnist(a, n, X, Y);
  const std::vector<mlp::Index> hidden = hidden_widths(a.width, a.shallow, a.deep);
  mlp::Sequential<float> net = mnist_net(hidden);
  mlp::FitOptions options;
  options.epochs = 1;
  options.batch_size = a.batch;
  options.seed = 0;
  // --ranks: the processes mpirun started (or this one alone), their exchange timed.
  std::unique_ptr<mlp::Communicator> world, alone;
  std::unique_ptr<TimedCommunicator> timed;
  if (a.ranks) {
    world = mlp::distributed::world_communicator();
    if (world == nullptr) alone = std::make_unique<mlp::SingleProcessCommunicator>();
    timed = std::make_unique<TimedCommunicator>(world != nullptr ? *world : *alone, a.messages);
    options.communicator = timed.get();
    options.sync_every = a.sync_every;
    if (a.block_rows > 0) options.gradient_block_rows = a.block_rows;
    if (a.bucket_bytes >= 0) options.exchange_bucket_bytes = a.bucket_bytes;
  }
  // --warm: the process's one-time costs (the threads' start, their packing buffers, the first
  // touch of the code and of freed memory) are paid by an epoch of a copy of the network first,
  // so that the timed epoch shows the steady cost per sample.
  if (a.warm) mlp::Sequential<float>(net).fit(X, Y, options);
  // --epochs: the fit's own set-up (its buffers, the optimizer's state) is spread over them.
  options.epochs = a.epochs;
  if (timed) timed->seconds = timed->cpu_seconds = 0.0;
  const mlp::detail::ThreadPool::JobCounts jobs_before =
      mlp::detail::ThreadPool::global().job_counts();
  const auto start = Clock::now();
  const double cpu_start = process_cpu_seconds();
  const mlp::History history = net.fit(X, Y, options);
  const double seconds = seconds_since(start) / a.epochs;
  const double cpu_seconds = (process_cpu_seconds() - cpu_start) / a.epochs;
  const mlp::detail::ThreadPool::JobCounts jobs = mlp::detail::ThreadPool::global().job_counts();
  const auto shared_jobs = static_cast<double>(jobs.shared - jobs_before.shared);
  const auto alone_jobs = static_cast<double>(jobs.alone - jobs_before.alone);
  const int ranks = timed ? timed->size() : 0;
  if (timed && timed->rank() != 0) return 0;
  std::printf(
      "{\"workload\": \"train\", \"threads\": %d, \"samples\": %ld, \"batch\": %ld, \"width\": "
      "%ld, \"shallow\": %s, \"ranks\": %d, \"sync_every\": %d, \"block_rows\": %ld, "
      "\"seconds\": %.9g, \"cpu_seconds\": %.9g, \"exchange_seconds\": %.9g, "
      "\"exchange_cpu_seconds\": %.9g, \"jobs_alone\": %.9g, \"flops\": %.9g, "
      "\"loss\": %.9g, \"accuracy\": %.9g, \"kernel\": \"%s\"}\n",
      a.threads, static_cast<long>(n), static_cast<long>(a.batch), static_cast<long>(a.width),
      a.shallow ? "true" : "false", ranks, a.sync_every,
      static_cast<long>(options.gradient_block_rows), seconds, cpu_seconds,
      timed ? timed->seconds / a.epochs : 0.0, timed ? timed->cpu_seconds / a.epochs : 0.0,
      shared_jobs + alone_jobs > 0 ? alone_jobs / (shared_jobs + alone_jobs) : 0.0,
      epoch_flops(n, hidden), history.loss.back(), history.accuracy.back(),
      std::string(mlp::gemm_best_kernel_name()).c_str());
  return 0;
}

int run_infer_batch(const Args& a) {
  mlp::set_threads(a.threads);
  const mlp::Index n = a.samples > 0 ? a.samples : 10000;
  mlp::Matrix<float> X, Y;
  load_mnist(a, n, X, Y);
  const mlp::Sequential<float> net = mnist_net(hidden_widths(a.width));
  mlp::Matrix<float> P = net.predict_proba(X.topRows(std::min<mlp::Index>(n, 256)));  // warm-up
  const auto start = Clock::now();
  P = net.predict_proba(X);
  const double seconds = seconds_since(start);
  std::printf(
      "{\"workload\": \"infer-batch\", \"threads\": %d, \"samples\": %ld, \"seconds\": %.9g, "
      "\"checksum\": %.9g}\n",
      a.threads, static_cast<long>(n), seconds, static_cast<double>(P.sum()));
  return 0;
}

int run_infer_one(const Args& a) {
  mlp::set_threads(1);
  const mlp::Index n = a.samples > 0 ? a.samples : 2000;
  mlp::Matrix<float> X, Y;
  load_mnist(a, n, X, Y);
  const mlp::Sequential<float> net = mnist_net(hidden_widths(a.width));
  std::vector<double> latencies;
  latencies.reserve(static_cast<std::size_t>(n));
  double checksum = 0.0;
  for (mlp::Index i = 0; i < n; ++i) {
    const auto start = Clock::now();
    const mlp::Matrix<float> p = net.predict_proba(X.row(i));
    latencies.push_back(seconds_since(start));
    checksum += static_cast<double>(p(0, 0));
  }
  std::sort(latencies.begin(), latencies.end());
  std::printf(
      "{\"workload\": \"infer-one\", \"samples\": %ld, \"median_seconds\": %.9g, "
      "\"p90_seconds\": %.9g, \"checksum\": %.9g}\n",
      static_cast<long>(n), latencies[latencies.size() / 2], latencies[latencies.size() * 9 / 10],
      checksum);
  return 0;
}

int run_gemm(const Args& a) {
  mlp::set_threads(a.threads);
  const mlp::Index n = a.size;
  mlp::Matrix<float> A = mlp::Matrix<float>::Random(n, n), B = mlp::Matrix<float>::Random(n, n);
  mlp::Matrix<float> C(n, n);
  auto once = [&] {
    mlp::gemm<float>(mlp::Transpose::no, mlp::Transpose::no, n, n, n, A.data(), n, B.data(), n,
                     C.data(), n);
  };
  // The best of 5 products, wall and CPU time, as bench/peers/sgemm_ceiling.c takes OpenBLAS's
  // (the first one also pays for the threads' start and the packing buffers, as OpenBLAS's first
  // call does).
  double seconds = 0.0, cpu_seconds = 0.0;
  for (int r = 0; r < 5; ++r) {
    const auto start = Clock::now();
    const double cpu_start = process_cpu_seconds();
    once();
    const double t = seconds_since(start), cpu = process_cpu_seconds() - cpu_start;
    seconds = r == 0 ? t : std::min(seconds, t);
    cpu_seconds = r == 0 ? cpu : std::min(cpu_seconds, cpu);
  }
  std::printf(
      "{\"workload\": \"gemm\", \"threads\": %d, \"size\": %ld, \"seconds\": %.9g, "
      "\"cpu_seconds\": %.9g, \"gflops\": %.6g, \"kernel\": \"%s\"}\n",
      a.threads, static_cast<long>(n), seconds, cpu_seconds, 2.0 * n * n * n / seconds / 1e9,
      std::string(mlp::gemm_best_kernel_name()).c_str());
  return 0;
}

// The network of infer-batch and infer-one as a model of MNIST images (IDX: the graph takes the
// pixel values 0..255 and divides them by 255, as the IDX reader does) in ONNX, and the
// probabilities mlp gives the first samples.
int run_onnx(const Args& a) {
  if (a.out.empty()) {
    std::fprintf(stderr, "mlp_bench onnx: --out PREFIX is required (the files' path prefix)\n");
    return 2;
  }
  const mlp::Index n = a.samples > 0 ? a.samples : 100;
  mlp::Matrix<float> X, Y;
  load_mnist(a, n, X, Y);
  mlp::TrainedModel<float> model;
  model.network = mnist_net(hidden_widths(a.width));
  model.metadata.input_format = "idx";
  for (int c = 0; c < 10; ++c) model.metadata.class_names.push_back(std::to_string(c));
  for (mlp::Index j = 0; j < X.cols(); ++j)
    model.metadata.feature_names.push_back("pixel" + std::to_string(j));
  mlp::export_onnx(model, a.out + ".onnx");
  const mlp::Matrix<float> P = model.network.predict_proba(X);  // row-major, n x 10
  std::FILE* f = std::fopen((a.out + ".probabilities").c_str(), "wb");
  if (f == nullptr ||
      std::fwrite(P.data(), sizeof(float), static_cast<std::size_t>(P.size()), f) !=
          static_cast<std::size_t>(P.size()) ||
      std::fclose(f) != 0) {
    std::fprintf(stderr, "mlp_bench onnx: cannot write %s.probabilities\n", a.out.c_str());
    return 1;
  }
  std::printf("{\"workload\": \"onnx\", \"samples\": %ld, \"model\": \"%s.onnx\"}\n",
              static_cast<long>(n), a.out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  try {
    if (a.workload == "xor") return run_xor(a);
    if (a.workload == "train") return run_train(a);
    if (a.workload == "infer-batch") return run_infer_batch(a);
    if (a.workload == "infer-one") return run_infer_one(a);
    if (a.workload == "gemm") return run_gemm(a);
    if (a.workload == "onnx") return run_onnx(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mlp_bench: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "mlp_bench: unknown workload %s\n", a.workload.c_str());
  return 2;
}
