// resolve_error (include/corio/net/resolve_error.hpp): getaddrinfo's EAI_* codes as an error
// category, with gai_strerror's text.
#include <string>

#include <netdb.h>

#include <corio/net/resolve_error.hpp>

namespace corio {

namespace {
class resolve_category_impl final : public std::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return "resolve"; }
    [[nodiscard]] std::string message(int code) const override { return ::gai_strerror(code); }
};
}  // namespace

const std::error_category& resolve_category() noexcept {
    static const resolve_category_impl category;
    return category;
}

resolve_error::resolve_error(int code, const std::string& host)
    : std::system_error(code, resolve_category(), "resolve " + host), host_(host) {}

}  // namespace corio
