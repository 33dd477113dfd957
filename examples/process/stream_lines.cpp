// A program that runs a subprocess and streams its output line by line: each line is printed as
// it arrives, numbered and tagged with the pipe it came on (stdout or stderr), then the return
// code. asyncio's `proc.stdout.readline()` loop, with both pipes read at once: the child's
// lines come 0.1 s apart, and the times show each one arriving as it is printed, not at the end.

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include <corio/core.hpp>
#include <corio/net.hpp>
#include <corio/process/subprocess.hpp>

#include "example.hpp"

namespace {

using corio::task;
using clock_type = std::chrono::steady_clock;

/// What the child runs: three steps on stdout, a warning and an error on stderr, a pause before
/// every line, and exit status 3.
constexpr const char* script =
    "for i in 1 2 3; do echo \"step $i of 3\"; sleep 0.1; done; "
    "echo \"warning: disk almost full\" >&2; sleep 0.1; "
    "echo \"step 4: cleaning up\"; sleep 0.1; "
    "echo \"error: cleanup failed\" >&2; exit 3";

/// The lines of both pipes, in the order they arrive.
struct transcript {
    clock_type::time_point start = clock_type::now();
    int lines = 0;
};

/// Prints every line of `from` as it arrives, until the child closes the pipe.
task<void> pump(corio::net::stream_reader* from, const char* tag, transcript* out) {
    for (;;) {
        std::string line = co_await from->readline();
        if (line.empty()) co_return;  // end of file
        if (line.back() == '\n') line.pop_back();
        const std::chrono::duration<double> at = clock_type::now() - out->start;
        char when[32];
        std::snprintf(when, sizeof when, "%.1f", at.count());
        std::cout << ++out->lines << " [" << tag << "] " << line << "  (at ≈ " << when << " s)\n";
    }
}

task<void> main_task() {
    corio::subprocess_options options;
    options.stdout_mode = corio::stdio::pipe;
    options.stderr_mode = corio::stdio::pipe;
    corio::process child = co_await corio::create_subprocess_shell(script, options);
    std::cout << "Streaming the output of /bin/sh -c '" << script << "':\n";
    transcript out;
    // Both pipes at once: a child that fills one pipe while the parent waits on the other would
    // block forever.
    co_await corio::task_group::run([&](corio::task_group& g) -> task<void> {
        g.spawn(pump, &child.stdout_stream(), "stdout", &out);
        g.spawn(pump, &child.stderr_stream(), "stderr", &out);
        co_return;
    });
    const int code = co_await child.wait();
    std::cout << "Both pipes ended after " << out.lines << " lines; return code " << code << '\n';
}

}  // namespace

CORIO_EXAMPLE(stream_lines) { corio::run(main_task()); }
