// Which backend a loop gets: the loop option, then CORIO_BACKEND, then io_uring if the kernel
// takes it (Docker's default seccomp profile and `kernel.io_uring_disabled` refuse it), else epoll.
#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "backend.hpp"

namespace corio::detail {

namespace {
io_backend_kind from_environment() {
    const char* value = std::getenv("CORIO_BACKEND");
    if (!value || !*value) return io_backend_kind::automatic;
    const std::string_view v(value);
    if (v == "epoll") return io_backend_kind::epoll;
    if (v == "io_uring" || v == "uring") return io_backend_kind::io_uring;
    if (v == "auto" || v == "automatic") return io_backend_kind::automatic;
    throw std::invalid_argument("CORIO_BACKEND must be epoll, io_uring or auto (got '" +
                                std::string(v) + "')");
}
}  // namespace

std::unique_ptr<io_backend> make_backend(io_backend_kind kind) {
    if (kind == io_backend_kind::automatic) kind = from_environment();
    switch (kind) {
        case io_backend_kind::epoll:
            return make_epoll_backend();
        case io_backend_kind::io_uring: {
            auto backend = make_uring_backend();
            if (!backend) {
                throw std::system_error(
                    ENOSYS, std::system_category(),
                    "io_uring was asked for, but this kernel or process refuses it");
            }
            return backend;
        }
        case io_backend_kind::automatic:
            break;
    }
    if (auto backend = make_uring_backend()) return backend;
    return make_epoll_backend();
}

}  // namespace corio::detail
