#pragma once
/// @file
/// What the C++ core benchmarks share (bench_core_tasks and its Boost.Asio peer): the sleepers'
/// delays, memory readings, and child processes, so that a measurement of memory (RSS, peak RSS)
/// starts from a fresh process and is not blurred by what earlier benchmarks left in the heap.
///
/// A binary runs its Google Benchmark timings, then (unless given `--no-children`) re-executes
/// itself once per child measurement as `<binary> --child=<what>:<n>`, sequentially; each child
/// prints its own result lines on the shared stdout. See bench/README.md ("core").

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/jsonl_reporter.hpp"

extern char** environ;

namespace corio::bench::core {

/// The sizes of the timed benchmarks, shared by corio's binary and the Boost.Asio peer so the two
/// always measure the same work.
inline constexpr int await_count = 1'000'000;
inline constexpr int yield_count = 1'000'000;
inline constexpr int spawn_count = 100'000;
/// Repetitions of each timed benchmark (the median is reported) and minimum time per repetition.
inline constexpr int repetitions = 5;
inline constexpr double min_time_s = 0.2;

/// Applies the shared repetition settings to a timed benchmark.
inline benchmark::internal::Benchmark* timed(benchmark::internal::Benchmark* b) {
    return b->Repetitions(repetitions)->MinTime(min_time_s)->ReportAggregatesOnly(true);
}

/// How many sleeping tasks the memory measurement creates (each sleeps an hour).
inline constexpr std::size_t memory_tasks = 100'000;
/// The sleeper counts of the wall-time / peak-RSS measurement (`core.sleepers`).
inline constexpr std::size_t sleeper_counts[] = {100'000, 1'000'000};

/// splitmix64: a tiny, well-mixed hash, identical in every peer (Python, Rust), so all of them
/// sleep for the same set of delays without storing them.
constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept {
    std::uint64_t z = x + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/// The delay of sleeper `i`: uniform in [1 s, 3 s), with microsecond resolution.
constexpr std::chrono::microseconds sleeper_delay(std::size_t i) noexcept {
    return std::chrono::microseconds(1'000'000 + splitmix64(i) % 2'000'000);
}

/// The current resident set size in bytes (/proc/self/statm), or 0 if unknown.
inline double rss_bytes() {
    std::ifstream statm("/proc/self/statm");
    double size_pages = 0, resident_pages = 0;
    if (!(statm >> size_pages >> resident_pages)) return 0;
    return resident_pages * static_cast<double>(sysconf(_SC_PAGESIZE));
}

/// The peak resident set size of this process, in MiB (`getrusage` `ru_maxrss`).
inline double peak_rss_mib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

/// The CPU time (user + system) this process has used so far, in seconds.
inline double process_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& tv) {
        return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

/// Wall-clock seconds since `start`.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// One child measurement: `--child=<what>:<n>`.
struct child_mode {
    std::string what;
    std::size_t n = 0;
};

/// The child mode this process was started in, if any.
inline std::optional<child_mode> child_mode_of(int argc, char** argv) {
    constexpr std::string_view prefix = "--child=";
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg.substr(0, prefix.size()) != prefix) continue;
        const std::string_view spec = arg.substr(prefix.size());
        const auto colon = spec.find(':');
        if (colon == std::string_view::npos) return std::nullopt;
        return child_mode{std::string(spec.substr(0, colon)),
                          std::strtoull(std::string(spec.substr(colon + 1)).c_str(), nullptr, 10)};
    }
    return std::nullopt;
}

/// Removes `flag` from argv (so that Google Benchmark does not reject it); true if it was there.
inline bool take_flag(int& argc, char** argv, std::string_view flag) {
    bool found = false;
    int out = 1;
    for (int i = 1; i < argc; ++i) {
        if (argv[i] == flag) {
            found = true;
        } else {
            argv[out++] = argv[i];
        }
    }
    argc = out;
    argv[argc] = nullptr;
    return found;
}

/// Runs `/proc/self/exe --child=<what>:<n>` for each mode, one after the other, sharing stdout.
/// Returns 0 if every child succeeded.
inline int run_children(const std::vector<child_mode>& modes) {
    int status_all = 0;
    for (const child_mode& mode : modes) {
        std::cout.flush();
        std::fflush(stdout);
        std::string exe = "/proc/self/exe";
        std::string arg = "--child=";  // (appends: GCC 12 misreports "literal" + string)
        arg += mode.what;
        arg += ':';
        arg += std::to_string(mode.n);
        char* child_argv[] = {exe.data(), arg.data(), nullptr};
        pid_t pid = 0;
        if (posix_spawn(&pid, exe.c_str(), nullptr, nullptr, child_argv, environ) != 0) {
            std::fprintf(stderr, "error: cannot start child %s\n", arg.c_str());
            status_all = 1;
            continue;
        }
        int status = 0;
        while (waitpid(pid, &status, 0) < 0) {
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            std::fprintf(stderr, "error: child %s failed\n", arg.c_str());
            status_all = 1;
        }
    }
    return status_all;
}

/// A metric name for a count: ("wall_s", 100000) -> "wall_s_n100000".
inline std::string with_n(std::string metric, std::size_t n) {
    metric += "_n";
    metric += std::to_string(n);
    return metric;
}

/// Prints a result line (see bench/common/jsonl_reporter.hpp).
inline void emit(std::string bench, std::string impl, std::string metric, double value,
                 std::string unit) {
    print_result({std::move(bench), std::move(impl), std::move(metric), value, std::move(unit)});
}

/// Prints the `core.sleepers` results of a child that ran `n` sleepers in `wall_s` seconds (and
/// its CPU time and peak RSS), and the note on corio's targets (for n = 1,000,000: <= 3.1 s and <=
/// 200 MB peak RSS).
inline void emit_sleepers(const std::string& impl, std::size_t n, double wall_s) {
    const double peak = peak_rss_mib();
    emit("core.sleepers", impl, with_n("wall_s", n), wall_s, "s");
    // The CPU time tells whether the loop kept up with the deadlines: on a busy machine the wall
    // time also counts the time the process waited for a core.
    emit("core.sleepers", impl, with_n("cpu_s", n), process_cpu_seconds(), "s");
    emit("core.sleepers", impl, with_n("peak_rss_mib", n), peak, "MiB");
    if (impl == "corio" && n == 1'000'000) {
        std::fprintf(stderr, "target: core.sleepers 1M wall <= 3.1 s: %.3f s (%s)\n", wall_s,
                     wall_s <= 3.1 ? "met" : "NOT met");
        std::fprintf(stderr, "target: core.sleepers 1M peak RSS <= 200 MB: %.1f MiB (%s)\n", peak,
                     peak * 1.048576 <= 200 ? "met" : "NOT met");
    }
}

/// Prints the `core.sleeper_memory` results: bytes per sleeping task counted by the replaced
/// `operator new` (alloc_counter.hpp) and measured as an RSS increase.
inline void emit_sleeper_memory(const std::string& impl, std::size_t n, double heap_bytes,
                                double rss_delta) {
    const double per_task = heap_bytes / static_cast<double>(n);
    emit("core.sleeper_memory", impl, "bytes_per_task", per_task, "bytes");
    emit("core.sleeper_memory", impl, "rss_bytes_per_task", rss_delta / static_cast<double>(n),
         "bytes");
    if (impl == "corio") {
        std::fprintf(stderr,
                     "target: core.sleeper_memory <= 160 bytes per sleeping task: %.0f (%s)\n",
                     per_task, per_task <= 160 ? "met" : "NOT met");
    }
}

/// The `main` of a core benchmark binary: in a child mode, runs that measurement (`memory` or
/// `sleepers`, in its own process for a clean heap and peak RSS); otherwise runs the timed
/// benchmarks (then `after` with their results), and, unless `--no-children` is given, starts
/// itself once per child mode.
inline int main_with_children(int argc, char** argv, int (*memory)(std::size_t),
                              int (*sleepers)(std::size_t),
                              const std::function<void(const std::vector<result>&)>& after = {}) {
    if (auto child = child_mode_of(argc, argv)) {
        if (child->what == "memory") return memory(child->n);
        if (child->what == "sleepers") return sleepers(child->n);
        std::fprintf(stderr, "unknown child mode %s\n", child->what.c_str());
        return 2;
    }
    const bool no_children = take_flag(argc, argv, "--no-children");
    int status = run_benchmarks(argc, argv, after);
    if (!no_children) {
        std::vector<child_mode> modes{{"memory", memory_tasks}};
        for (std::size_t n : sleeper_counts) modes.push_back({"sleepers", n});
        status |= run_children(modes);
    }
    return status;
}

}  // namespace corio::bench::core
