// Cold paths of corio::generator, kept out of the inlined stepping code.
#include <corio/gen/generator.hpp>

namespace corio::detail {

void throw_generator_error(const char* message) { throw generator_error(message); }

void rethrow_and_clear(std::exception_ptr& error) {
    std::rethrow_exception(std::exchange(error, nullptr));
}

}  // namespace corio::detail
