#pragma once
// Tests of the io_uring backend's internals: a loop made with the backend's tuning variables
// (src/io/uring/probe.hpp: CORIO_URING_ENTRIES, CORIO_URING_BUFFERS, CORIO_URING_DISABLE) set
// for the test only, and skipped where io_uring is refused.
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <corio/core.hpp>

namespace corio_test {

/// Sets environment variables until destroyed (then puts back what was there).
class scoped_env {
public:
    scoped_env() = default;
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;
    ~scoped_env() {
        for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
            if (it->second) {
                ::setenv(it->first.c_str(), it->second->c_str(), 1);
            } else {
                ::unsetenv(it->first.c_str());
            }
        }
    }
    void set(const char* name, const std::string& value) {
        const char* old = std::getenv(name);
        saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
        ::setenv(name, value.c_str(), 1);
    }

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

/// An io_uring loop made with the variables set now; null if io_uring is refused here.
inline std::unique_ptr<corio::event_loop> make_uring_loop() {
    corio::loop_options o;
    o.backend = corio::io_backend_kind::io_uring;
    try {
        return std::make_unique<corio::event_loop>(o);
    } catch (const std::system_error&) {
        return nullptr;
    }
}

}  // namespace corio_test
