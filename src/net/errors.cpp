// Mapping an errno to the most specific io_error class (include/corio/net/errors.hpp).
#include <cerrno>
#include <exception>
#include <string>

#include <corio/net/errors.hpp>

namespace corio::detail {

std::exception_ptr make_io_error(int errno_value, const char* what) {
    const std::string text = what != nullptr ? what : "";
    switch (errno_value) {
        case ECONNRESET:
            return std::make_exception_ptr(connection_reset_error(errno_value, text));
        case ECONNREFUSED:
            return std::make_exception_ptr(connection_refused_error(errno_value, text));
        case ECONNABORTED:
            return std::make_exception_ptr(connection_aborted_error(errno_value, text));
        case EPIPE:
        case ESHUTDOWN:
            return std::make_exception_ptr(broken_pipe_error(errno_value, text));
        default:
            return std::make_exception_ptr(io_error(errno_value, text));
    }
}

// Through make_io_error, so the two can never disagree about which class an errno gets. The
// extra allocation is noise on a path that already formats strerror's text.
void throw_io_error(int errno_value, const char* what) {
    std::rethrow_exception(make_io_error(errno_value, what));
}

}  // namespace corio::detail
