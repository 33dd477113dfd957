#pragma once
/// @file
/// Python-style printing for the examples, so that each prints exactly what the Python it mirrors
/// prints: `py::repr(x)` is Python's `repr(x)`, `py::str(x)` its `str(x)`, `py::print(a, b)` its
/// `print(a, b)`, and `py::list(range)` its `list(iterable)`.
///
/// C++ values map to Python ones as: `bool` → `True`/`False`; other integers → `int`; floating
/// point → `float` (shortest round-trip form: `3.0`, `0.1`, `1e-05`, `1e+16`); `char` and strings
/// → `str` (`'A'`); `std::optional` → its value or `None`; `std::monostate`, `std::nullopt` and
/// `nullptr` → `None`; `std::variant` → its current value; `std::pair`/`std::tuple` → tuple
/// (`('A',)` for one element); maps → dict; sets → set; other ranges → list;
/// `corio::generator_state` → the string `inspect.getgeneratorstate` returns (`GEN_CREATED`, ...);
/// a class with a `repr()` member function (Python's `__repr__`) → what that returns.

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <corio/gen/generator.hpp>

namespace py {

namespace detail {

template <class T, template <class...> class Template>
inline constexpr bool is_instance = false;
template <template <class...> class Template, class... Args>
inline constexpr bool is_instance<Template<Args...>, Template> = true;

template <class T>
concept string_like = std::is_convertible_v<const T&, std::string_view>;

template <class T>
concept none_like = std::is_same_v<T, std::monostate> || std::is_same_v<T, std::nullopt_t> ||
    std::is_same_v<T, std::nullptr_t>;

template <class T>
concept tuple_like = is_instance<T, std::pair> || is_instance<T, std::tuple>;

template <class T>
concept map_like = std::ranges::forward_range<const T&> && requires {
    typename T::key_type;
    typename T::mapped_type;
};

template <class T>
concept set_like = std::ranges::forward_range<const T&> && !map_like<T> && requires {
    typename T::key_type;
};

/// Python's `repr` of a `str`: single quotes unless the text holds `'` and no `"`.
inline std::string string_repr(std::string_view text) {
    const bool double_quoted =
        text.find('\'') != std::string_view::npos && text.find('"') == std::string_view::npos;
    const char quote = double_quoted ? '"' : '\'';
    std::string out(1, quote);
    for (const char c : text) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c == quote) {
                    out += '\\';
                    out += c;
                } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    std::array<char, 5> hex{};
                    std::snprintf(hex.data(), hex.size(), "\\x%02x", static_cast<unsigned>(c));
                    out += hex.data();
                } else {
                    out += c;  // printable ASCII, or a byte of UTF-8 text: kept as it is
                }
        }
    }
    out += quote;
    return out;
}

/// Python's `repr` of a `float`: the shortest digits that read back to the same value, in
/// positional notation for exponents -4..15, in scientific notation otherwise.
inline std::string float_repr(double x) {
    if (std::isnan(x)) return "nan";
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";

    std::array<char, 32> buf{};
    const auto result =
        std::to_chars(buf.data(), buf.data() + buf.size(), x, std::chars_format::scientific);
    const std::string_view sci(buf.data(), result.ptr);  // "-d.ddde+XX"
    const auto e = sci.find('e');
    int exp = 0;
    std::from_chars(sci.data() + e + 2, sci.data() + sci.size(), exp);
    if (sci[e + 1] == '-') exp = -exp;
    std::string digits;
    for (const char c : sci.substr(0, e)) {
        if (c >= '0' && c <= '9') digits += c;
    }

    // Only appends below: GCC 12 at -O3 warns falsely (-Wrestrict) on `"literal" + std::string`.
    std::string out = std::signbit(x) ? "-" : "";
    if (exp < -4 || exp >= 16) {  // d.ddde+XX
        out += digits[0];
        if (digits.size() > 1) out.append(".").append(digits, 1);
        out += exp < 0 ? "e-" : "e+";
        if (std::abs(exp) < 10) out += '0';
        out += std::to_string(std::abs(exp));
    } else if (exp < 0) {  // 0.000ddd
        out += "0.";
        out.append(static_cast<std::size_t>(-exp - 1), '0');
        out += digits;
    } else {  // ddd.ddd, with at least one digit after the point
        const auto point = static_cast<std::size_t>(exp) + 1;
        if (digits.size() <= point) digits.append(point + 1 - digits.size(), '0');
        out.append(digits, 0, point).append(".").append(digits, point);
    }
    return out;
}

inline std::string state_name(corio::generator_state state) {
    switch (state) {
        case corio::generator_state::created:
            return "GEN_CREATED";
        case corio::generator_state::running:
            return "GEN_RUNNING";
        case corio::generator_state::suspended:
            return "GEN_SUSPENDED";
        case corio::generator_state::closed:
            return "GEN_CLOSED";
    }
    return "GEN_UNKNOWN";
}

template <class>
inline constexpr bool always_false = false;

}  // namespace detail

/// Python's `repr(value)`.
template <class T>
std::string repr(const T& value) {
    using namespace std::string_literals;
    if constexpr (std::is_same_v<T, bool>) {
        return value ? "True" : "False";
    } else if constexpr (std::is_same_v<T, char>) {
        return detail::string_repr(std::string_view(&value, 1));
    } else if constexpr (std::is_integral_v<T>) {
        return std::to_string(value);
    } else if constexpr (std::is_floating_point_v<T>) {
        return detail::float_repr(static_cast<double>(value));
    } else if constexpr (detail::string_like<T>) {
        return detail::string_repr(value);
    } else if constexpr (detail::none_like<T>) {
        return "None";
    } else if constexpr (requires { std::string(value.repr()); }) {
        return std::string(value.repr());  // a class of the example's own, like Python's __repr__
    } else if constexpr (std::is_same_v<T, corio::generator_state>) {
        return detail::string_repr(detail::state_name(value));
    } else if constexpr (detail::is_instance<T, std::optional>) {
        return value ? repr(*value) : "None"s;
    } else if constexpr (detail::is_instance<T, std::variant>) {
        return std::visit([](const auto& v) { return repr(v); }, value);
    } else if constexpr (detail::tuple_like<T>) {
        std::string out = "(";
        std::apply(
            [&out](const auto&... items) {
                std::string_view sep;
                ((out += sep, out += repr(items), sep = ", "), ...);
            },
            value);
        return out + (std::tuple_size_v<T> == 1 ? ",)" : ")");
    } else if constexpr (detail::map_like<T>) {
        std::string out = "{";
        std::string_view sep;
        for (const auto& [key, mapped] : value) {
            out += sep;
            out += repr(key) + ": " + repr(mapped);
            sep = ", ";
        }
        return out + "}";
    } else if constexpr (std::ranges::forward_range<const T&>) {
        constexpr bool set = detail::set_like<T>;
        if (set && std::ranges::empty(value)) return "set()";
        std::string out = set ? "{" : "[";
        std::string_view sep;
        for (const auto& item : value) {
            out += sep;
            out += repr(item);
            sep = ", ";
        }
        return out + (set ? "}" : "]");
    } else {
        static_assert(detail::always_false<T>, "py::repr: no Python form for this type");
    }
}

/// Python's `str(value)`: like `repr`, except that text is shown without quotes.
template <class T>
std::string str(const T& value) {
    if constexpr (std::is_same_v<T, char>) {
        return std::string(1, value);
    } else if constexpr (detail::string_like<T>) {
        return std::string(std::string_view(value));
    } else if constexpr (std::is_same_v<T, corio::generator_state>) {
        return detail::state_name(value);
    } else if constexpr (detail::is_instance<T, std::optional>) {
        return value ? str(*value) : "None";
    } else if constexpr (detail::is_instance<T, std::variant>) {
        return std::visit([](const auto& v) { return str(v); }, value);
    } else {
        return repr(value);
    }
}

/// Python's `print(values...)`: the `str` of each, separated by spaces, then a newline.
template <class... Ts>
void print(const Ts&... values) {
    std::string_view sep;
    ((std::cout << sep << str(values), sep = " "), ...);
    std::cout << '\n';
}

/// Python's `list(iterable)`: the elements of any input range (a generator too) in a vector.
template <std::ranges::input_range R>
auto list(R&& range) {
    std::vector<std::ranges::range_value_t<R>> out;
    for (auto&& item : range) out.push_back(std::forward<decltype(item)>(item));
    return out;
}

}  // namespace py
