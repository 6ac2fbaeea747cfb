// write_file_atomically on what is not a plain new file: symbolic links, FIFOs, devices, open
// descriptors, folders (regular files are tested through save_model in tests/model/).
#include "mlp/core/atomic_file.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "mlp/core/error.hpp"

namespace {

namespace fs = std::filesystem;

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("mlp_atomic_file_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::size_t files() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }
  fs::path dir_;
};

TEST_F(AtomicFile, SymbolicLinkKeepsPointingToTheReplacedFile) {
  std::ofstream(path("target")) << "old";
  fs::create_symlink(path("target"), path("link"));
  mlp::write_file_atomically(path("link"), "new");
  EXPECT_TRUE(fs::is_symlink(path("link")));
  EXPECT_EQ(read(path("target")), "new");
  // A dangling link: the file it names is created.
  fs::create_symlink(path("later"), path("dangling"));
  mlp::write_file_atomically(path("dangling"), "made");
  EXPECT_TRUE(fs::is_symlink(path("dangling")));
  EXPECT_EQ(read(path("later")), "made");
  EXPECT_EQ(files(), 4u) << "a temporary file was left";
}

TEST_F(AtomicFile, FifoIsWrittenThroughAndStaysAFifo) {
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = read(path("fifo")); });
  // The reader must have opened the FIFO: until then, writing is refused, not blocked.
  for (int attempt = 0;; ++attempt) {
    try {
      mlp::write_file_atomically(path("fifo"), "through");
      break;
    } catch (const mlp::Error& e) {
      ASSERT_LT(attempt, 500) << e.what();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  reader.join();
  EXPECT_EQ(received, "through");
  EXPECT_TRUE(fs::is_fifo(path("fifo")));
}

TEST_F(AtomicFile, FifoWithoutReaderIsAnErrorNotAWait) {
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  try {
    mlp::write_file_atomically(path("fifo"), "lost");
    ADD_FAILURE() << "wrote to a FIFO nobody reads";
  } catch (const mlp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no process is reading"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_fifo(path("fifo")));
}

TEST_F(AtomicFile, OpenDescriptorsAndCharacterDevicesAreWrittenThrough) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  mlp::write_file_atomically("/dev/fd/" + std::to_string(pipe_fds[1]), "via dev/fd ");
  mlp::write_file_atomically("/proc/self/fd/" + std::to_string(pipe_fds[1]), "via proc");
  ::close(pipe_fds[1]);
  char buffer[64] = {};
  const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
  ::close(pipe_fds[0]);
  EXPECT_EQ(std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0), "via dev/fd via proc");
  mlp::write_file_atomically("/dev/null", "nothing");
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST_F(AtomicFile, FolderIsRefused) {
  fs::create_directory(path("folder"));
  EXPECT_THROW(mlp::write_file_atomically(path("folder"), "x"), mlp::Error);
  EXPECT_TRUE(fs::is_directory(path("folder")));
}

TEST_F(AtomicFile, NothingUnfinishedToRemoveAfterAWrite) {
  mlp::write_file_atomically(path("done"), "content");
  mlp::remove_unfinished_temporary_file();  // must not remove anything that was finished
  EXPECT_EQ(read(path("done")), "content");
  EXPECT_EQ(files(), 1u);
}

}  // namespace
