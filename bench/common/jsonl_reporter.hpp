#pragma once
/// @file
/// Google Benchmark reporter printing corio's benchmark result lines, and a `main` for bench
/// binaries (`CORIO_BENCH_MAIN()`), so a bench file only registers benchmarks.
///
/// Output: one JSON object per result on stdout, nothing else on stdout:
///
///     {"bench": "gen.iterate", "impl": "corio", "metric": "item_ns", "value": 1.234, "unit": "ns"}
///
/// Google Benchmark's usual console table goes to stderr, for people.
///
/// Naming scheme. A benchmark is registered as `<bench>/<impl>/<metric>`, e.g.
/// `gen.iterate/hand_iterator/item_ns` (`bench` and `impl` contain no '/'; arguments and Google
/// Benchmark's own suffixes such as `/repeats:3` or `/manual_time` are not part of it). A run
/// produces:
///
///  * a time metric, if the benchmark declared how many items one iteration of its `for (auto _ :
///    state)` loop processes, with `set_items_per_iteration(state, n)`: `metric` is the name's
///    third part, `value` is the time of one iteration in nanoseconds divided by `n`, `unit` is
///    "ns". The time is the CPU time of the benchmark's thread (Google Benchmark's default
///    measure), because the machines this runs on are small and shared: a benchmark preempted by
///    a compiler running next to it loses wall-clock time, not CPU time. A benchmark that sets
///    `UseManualTime()` (e.g. to exclude set-up) reports what it passed to
///    `state.SetIterationTime()` (measure it with `thread_cpu_clock` below for the same
///    reason), and one that sets `UseRealTime()` reports wall-clock time.
///  * a value metric for every user counter named `<metric>[<unit>]`, set with
///    `report_value(state, "frame_bytes", "bytes", v)`: the counter's value as is.
///
/// Repetitions. If a benchmark ran more than once (`Repetitions(n)`, `--benchmark_repetitions`),
/// only the median of the repetitions is printed; a single run is printed as is. Runs that failed
/// (`state.SkipWithError`) print no line; the message goes to stderr and `run_benchmarks` returns
/// 1.
///
/// Every printed result is also kept (`results()`), so a bench binary can print notes about
/// targets (ratios between results) to stderr after the run; see `CORIO_BENCH_MAIN_WITH`.

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <time.h>
#include <unistd.h>

namespace corio::bench {

/// One printed result line.
struct result {
    std::string bench;
    std::string impl;
    std::string metric;
    double value = 0;
    std::string unit;
};

/// Name of the counter through which a benchmark declares its items per iteration.
inline constexpr std::string_view items_counter = "items_per_iteration";

/// Declares that one iteration of the benchmark loop processes `n` items, so the reporter prints
/// nanoseconds per item (see the file comment). Call it after the loop.
inline void set_items_per_iteration(benchmark::State& state, double n) {
    state.counters[std::string(items_counter)] = benchmark::Counter(n);
}

/// Reports `value` (not a time) as metric `metric` in `unit`.
inline void report_value(benchmark::State& state, std::string_view metric, std::string_view unit,
                         double value) {
    std::string name(metric);
    name += '[';
    name += unit;
    name += ']';
    state.counters[name] = benchmark::Counter(value);
}

/// Keeps `value` alive in a register at this point: the compiler must materialize it here and
/// assume it changed afterwards, at the cost of no instruction. Use it on a running total inside a
/// loop so the loop can be neither folded to a closed form nor vectorized, while adding nothing
/// to the per-item cost being measured. (`benchmark::DoNotOptimize` also clobbers all memory,
/// which with Clang costs a tight loop a store and reload per item.)
template <class T>
inline void keep_in_register(T& value) {
#if defined(__GNUC__)
    asm volatile("" : "+r"(value));
#else
    benchmark::DoNotOptimize(value);
#endif
}

/// A clock measuring the CPU time consumed by the calling thread (`CLOCK_THREAD_CPUTIME_ID`),
/// for `UseManualTime()` benchmarks: time the region of interest with it and pass the result
/// to `state.SetIterationTime()`.
struct thread_cpu_clock {
    using duration = std::chrono::nanoseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<thread_cpu_clock>;
    static constexpr bool is_steady = true;

    static time_point now() noexcept {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
    }
};

namespace detail {

inline std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + '"';
}

inline std::string json_number(double v) {
    if (!std::isfinite(v)) return "null";  // JSON has no NaN/inf; report.py skips such lines
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

inline double seconds_per_unit(benchmark::TimeUnit unit) {
    switch (unit) {
        case benchmark::kNanosecond:
            return 1e-9;
        case benchmark::kMicrosecond:
            return 1e-6;
        case benchmark::kMillisecond:
            return 1e-3;
        case benchmark::kSecond:
            return 1;
    }
    return 1e-9;
}

}  // namespace detail

/// Prints one result line to stdout, as the reporter does for each result: for programs (or child
/// processes) that measure something without Google Benchmark, such as a peak RSS.
inline void print_result(const result& r) {
    std::cout << "{\"bench\": " << detail::json_string(r.bench)
              << ", \"impl\": " << detail::json_string(r.impl)
              << ", \"metric\": " << detail::json_string(r.metric)
              << ", \"value\": " << detail::json_number(r.value)
              << ", \"unit\": " << detail::json_string(r.unit) << "}" << std::endl;
}

/// Prints result lines to stdout (see the file comment) and the console table to stderr.
class jsonl_reporter : public benchmark::BenchmarkReporter {
public:
    jsonl_reporter()
        : console_(isatty(STDERR_FILENO) ? benchmark::ConsoleReporter::OO_ColorTabular
                                         : benchmark::ConsoleReporter::OO_Tabular) {
        console_.SetOutputStream(&std::cerr);
        console_.SetErrorStream(&std::cerr);
    }

    bool ReportContext(const Context& context) override { return console_.ReportContext(context); }

    void ReportRuns(const std::vector<Run>& runs) override {
        console_.ReportRuns(runs);
        for (const Run& run : runs) {
            if (run.error_occurred) {
                std::cerr << "error: " << run.benchmark_name() << ": " << run.error_message << '\n';
                failed_ = true;
                continue;
            }
            const bool repeated = run.repetitions > 1;
            const bool wanted =
                repeated ? (run.run_type == Run::RT_Aggregate && run.aggregate_name == "median")
                         : run.run_type == Run::RT_Iteration;
            if (wanted) print(run);
        }
    }

    void Finalize() override { console_.Finalize(); }

    [[nodiscard]] const std::vector<result>& results() const noexcept { return results_; }
    [[nodiscard]] bool failed() const noexcept { return failed_; }

private:
    void print(const Run& run) {
        const std::string& name = run.run_name.function_name;
        const auto slash1 = name.find('/');
        const auto slash2 = slash1 == std::string::npos ? slash1 : name.find('/', slash1 + 1);
        if (slash2 == std::string::npos) {
            std::cerr << "error: benchmark name '" << name << "' is not <bench>/<impl>/<metric>\n";
            failed_ = true;
            return;
        }
        const std::string bench = name.substr(0, slash1);
        const std::string impl = name.substr(slash1 + 1, slash2 - slash1 - 1);

        for (const auto& [counter, c] : run.counters) {
            if (counter == items_counter) {
                if (c.value <= 0) continue;
                const bool real = run.run_name.time_type == "manual_time" ||
                                  run.run_name.time_type == "real_time";
                const double ns = (real ? run.GetAdjustedRealTime() : run.GetAdjustedCPUTime()) *
                                  detail::seconds_per_unit(run.time_unit) * 1e9 / c.value;
                emit({bench, impl, name.substr(slash2 + 1), ns, "ns"});
                continue;
            }
            const auto open = counter.find('[');
            if (open == std::string::npos || counter.back() != ']') continue;
            emit({bench, impl, counter.substr(0, open), c.value,
                  counter.substr(open + 1, counter.size() - open - 2)});
        }
    }

    void emit(result r) {
        print_result(r);
        results_.push_back(std::move(r));
    }

    benchmark::ConsoleReporter console_;
    std::vector<result> results_;
    bool failed_ = false;
};

/// The value of one printed result, if it was printed.
inline std::optional<double> find(const std::vector<result>& results, std::string_view bench,
                                  std::string_view impl, std::string_view metric) {
    for (const result& r : results) {
        if (r.bench == bench && r.impl == impl && r.metric == metric) return r.value;
    }
    return std::nullopt;
}

/// Runs the registered benchmarks with `jsonl_reporter`; then calls `after` (if any) with the
/// printed results, e.g. to print notes on targets to stderr. Returns the process exit code.
inline int run_benchmarks(int argc, char** argv,
                          const std::function<void(const std::vector<result>&)>& after = {}) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    jsonl_reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    if (after) after(reporter.results());
    return reporter.failed() ? 1 : 0;
}

}  // namespace corio::bench

/// Defines `main` for a bench binary.
#define CORIO_BENCH_MAIN() \
    int main(int argc, char** argv) { return ::corio::bench::run_benchmarks(argc, argv); }

/// Defines `main` for a bench binary that calls `AFTER(results)` after the run.
#define CORIO_BENCH_MAIN_WITH(AFTER) \
    int main(int argc, char** argv) { return ::corio::bench::run_benchmarks(argc, argv, AFTER); }
