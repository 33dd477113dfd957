// The loop explaining itself: corio::dump_tasks (include/corio/core/dump_tasks.hpp) and the
// debug-mode report of a task never awaited (task.hpp). dump_tasks reads the loop's task list and
// each task's chain of frames; the locations were recorded by task_frame::await_transform. All
// the formatting work is done here, at report time, so that recording stays one pointer store.
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <cxxabi.h>

#include <corio/core/detail/task_frame.hpp>
#include <corio/core/dump_tasks.hpp>
#include <corio/core/event_loop.hpp>
#include <corio/core/task.hpp>
#include <corio/core/task_handle.hpp>

namespace corio {

namespace {

const char* state_of(const detail::task_record_base& t) noexcept {
    if (!t.started()) return "not started";
    if (t.in_step()) return "running";
    if (t.is_scheduled()) return "scheduled";
    return "waiting";
}

/// The coroutine's name as the reader wrote it. GCC 12 names the compiler-made body of the
/// coroutine at every co_await ("void ns::fetch(fetch(int)::_ZN2ns5fetchEi.Frame*)"); the
/// mangled name of the frame type gives back the real function ("ns::fetch(int)"). Other
/// compilers' names are already right and pass through.
std::string coroutine_name(std::string_view name) {
    constexpr std::string_view frame_suffix = ".Frame*)";
    if (!name.starts_with("void ") || !name.ends_with(frame_suffix)) return std::string(name);
    const std::size_t end = name.size() - frame_suffix.size();
    const std::size_t begin = name.rfind("::_Z", end);
    if (begin == std::string_view::npos) return std::string(name);
    const std::string mangled(name.substr(begin + 2, end - begin - 2));
    int status = 0;
    const std::unique_ptr<char, decltype(&std::free)> demangled(
        abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status), &std::free);
    return status == 0 && demangled ? std::string(demangled.get()) : std::string(name);
}

/// A coroutine of corio's own machinery (`spawn`'s wrapper, ...): not what the reader wrote.
bool is_machinery(std::string_view name) noexcept {
    const std::size_t at = name.find("corio::detail::");
    if (at == std::string_view::npos) return false;
    // Only if the function itself is in corio::detail, not one of its parameters' types: the
    // namespace starts the name, or follows the return type (a space, but not ", ").
    return at == 0 || (name[at - 1] == ' ' && (at < 2 || name[at - 2] != ','));
}

/// One line per frame of the chain, innermost first.
void describe_stack(const detail::task_record_base& t, std::string& out) {
    if (!t.started()) return;  // its first frame has not run: there is no stack yet
    for (const detail::task_frame* f = t.leaf_; f; f = f->parent_) {
        if (f->where_.line() == 0) {  // a running leaf that has not reached a co_await
            out += "  at <unknown> (no co_await yet)\n";
            continue;
        }
        const std::string name = coroutine_name(f->where_.function_name());
        if (is_machinery(name)) continue;
        out += "  at ";
        out += name;
        out += " (";
        out += f->where_.file_name();
        out += ':';
        out += std::to_string(f->where_.line());
        out += ")\n";
    }
}

}  // namespace

void dump_tasks(event_loop& loop, std::ostream& out) {
    std::vector<task_ref> tasks = loop.all_tasks();
    // The loop's list is newest first; ids give creation order, which stays put between dumps.
    std::sort(tasks.begin(), tasks.end(), [](const task_ref& a, const task_ref& b) {
        return a.record()->id() < b.record()->id();
    });
    std::string text;
    for (const task_ref& t : tasks) {
        const detail::task_record_base& r = *t.record();
        text += "Task \"";
        text += r.name();
        text += "\" (";
        text += state_of(r);
        text += ")\n";
        if (r.waiting_ && r.waiting_->ops && !r.is_scheduled() && !r.in_step()) {
            text += "  waiting for ";
            r.waiting_->ops->describe(r.waiting_, text);
            text += '\n';
        }
        describe_stack(r, text);
    }
    out << text;  // one write: a dump is not interleaved with other output of this thread
}

void dump_tasks(std::ostream& out) { dump_tasks(get_running_loop(), out); }

namespace detail {

void report_never_awaited() noexcept {
    // Outside a loop there is no debug flag to read: the environment decides, as for a new loop.
    event_loop* const loop = running_loop;
    if (loop) {
        if (!loop->get_debug()) return;
    } else {
        const char* env = std::getenv("CORIO_DEBUG");
        if (!env || std::string_view(env) != "1") return;
    }
    try {
        exception_context context{
            "Coroutine was never awaited: a task was destroyed before it was awaited or scheduled",
            nullptr,
            {}};
        if (const task_record_base* r = current_record) {
            context.task_name = r->name();
            if (r->leaf_ && r->leaf_->where_.line() != 0) {
                context.message += " (while running ";
                context.message += coroutine_name(r->leaf_->where_.function_name());
                context.message += ')';
            }
        }
        if (loop) {
            loop->call_exception_handler(context);
        } else {
            event_loop::default_exception_handler(context);
        }
    } catch (...) {  // out of memory while reporting a diagnostic: nothing better to do
    }
}

}  // namespace detail

}  // namespace corio
