// open_connection and open_unix_connection (include/corio/net/open_connection.hpp).
#include <exception>
#include <memory>
#include <stdexcept>
#include <utility>

#include <corio/net/errors.hpp>
#include <corio/net/open_connection.hpp>

#include "resolve.hpp"
#include "stream_connection.hpp"

namespace corio::net {

namespace {
stream_pair make_streams(socket connected, std::size_t limit) {
    auto connection = detail::stream_connection::make(std::move(connected), limit);
    return {stream_reader(connection), stream_writer(connection)};
}

task<socket> connect_to(address to) {
    socket s = socket::open(to.family(), socket_type::stream);
    co_await s.connect(to);
    co_return s;
}
}  // namespace

task<stream_pair> open_connection(std::string host, std::uint16_t port, std::size_t limit) {
    if (limit == 0) throw std::invalid_argument("stream limit cannot be 0");
    std::vector<address> candidates = co_await detail::resolve(std::move(host), port);
    // Happy Eyeballs (RFC 8305): families interleaved, attempts staggered and raced.
    co_return make_streams(co_await tcp_connect(std::move(candidates)), limit);
}

task<stream_pair> open_connection(address to, std::size_t limit) {
    if (limit == 0) throw std::invalid_argument("stream limit cannot be 0");
    co_return make_streams(co_await connect_to(to), limit);
}

task<stream_pair> open_connection(socket connected, std::size_t limit) {
    co_return make_streams(std::move(connected), limit);
}

task<stream_pair> open_unix_connection(std::string path, std::size_t limit) {
    co_return co_await open_connection(address::unix_path(path), limit);
}

}  // namespace corio::net
