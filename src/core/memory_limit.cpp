#include "mlp/core/memory_limit.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>

namespace mlp {

namespace {

std::uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return std::numeric_limits<std::uint64_t>::max();
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
}

std::uint64_t resource_limit_bytes(int resource) {
  struct rlimit limit {};
  if (::getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return std::numeric_limits<std::uint64_t>::max();
  return static_cast<std::uint64_t>(limit.rlim_cur);
}

// cgroup v2's limit for this process's group ("max", or no such file: none).
std::uint64_t cgroup_limit_bytes() {
  std::ifstream in("/sys/fs/cgroup/memory.max");
  std::uint64_t value = 0;
  if (in >> value) return value;
  return std::numeric_limits<std::uint64_t>::max();
}

}  // namespace

std::uint64_t memory_limit_bytes() {
  return std::min({physical_memory_bytes(), resource_limit_bytes(RLIMIT_AS),
                   resource_limit_bytes(RLIMIT_DATA), cgroup_limit_bytes()});
}

std::optional<std::string> memory_problem(std::uint64_t bytes) {
  const std::uint64_t limit = memory_limit_bytes();
  if (bytes <= limit) return std::nullopt;
  return "needs " + human_bytes(bytes) + " of memory, more than the " + human_bytes(limit) +
         " this process may use";
}

std::string human_bytes(std::uint64_t bytes) {
  if (bytes < 1000) return std::to_string(bytes) + " bytes";
  const char* units[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (value >= 1000 && unit < 5) {
    value /= 1000;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.*f %s", value < 10 ? 1 : 0, value, units[unit]);
  return text;
}

}  // namespace mlp
