// Cold paths of corio::generator, kept out of the inlined stepping code.
#include <corio/gen/generator.hpp>

namespace corio::detail {

void throw_generator_error(const char* message) { throw generator_error(message); }

void rethrow_and_clear(std::exception_ptr& error) {
    std::rethrow_exception(std::exchange(error, nullptr));
}

void throw_send_error() { throw send_error("yield_from: a range cannot receive a sent value"); }

bool is_generator_exit(const std::exception_ptr& error) noexcept {
    if (!error) return false;
    try {
        std::rethrow_exception(error);
    } catch (const generator_exit&) {
        return true;
    } catch (...) {
        return false;
    }
}

std::exception_ptr make_generator_exit() noexcept {
    return std::make_exception_ptr(generator_exit{});
}

std::exception_ptr make_ignored_generator_exit() {
    return std::make_exception_ptr(generator_error("generator ignored generator_exit"));
}

}  // namespace corio::detail
