#pragma once
// An address a connection keeps once asked (its peer's, its own), in 48 bytes where a
// `net::address` takes 136: an idle connection's memory is what a server with many of them
// pays (docs/architecture.md, "Streams"). Up to the size of an IPv6 address, the bytes are kept
// inline; a longer one (a Unix path) on the heap.
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>

#include <netinet/in.h>

#include <corio/net/address.hpp>

namespace corio::detail {

class compact_address {
public:
    compact_address() noexcept = default;
    /// Errors: `std::bad_alloc` (a long address only).
    explicit compact_address(const net::address& a) : known_(true) {
        if (a.size() <= sizeof inline_) {
            std::memcpy(&inline_, a.data(), a.size());
            size_ = a.size();
        } else {
            long_ = std::make_unique<net::address>(a);
        }
    }

    [[nodiscard]] bool known() const noexcept { return known_; }
    /// The address, if it was known. Errors: `std::bad_alloc` (never for the stored bytes
    /// themselves, which fit an address by construction).
    [[nodiscard]] std::optional<net::address> get() const {
        if (!known_) return std::nullopt;
        if (long_) return *long_;
        return net::address::from_sockaddr(reinterpret_cast<const sockaddr*>(&inline_), size_);
    }

private:
    sockaddr_in6 inline_{};
    std::uint32_t size_ = 0;
    bool known_ = false;
    std::unique_ptr<net::address> long_;
};

}  // namespace corio::detail
