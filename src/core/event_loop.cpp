// The event loop (include/corio/core/event_loop.hpp). Its phases are described in
// docs/architecture.md: poll I/O (with a timeout set by the ready queue and the next timer), fire
// due timers, run what was ready when the iteration began.
#include <algorithm>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <time.h>

#include <corio/core/detail/task_frame.hpp>
#include <corio/core/event_loop.hpp>
#include <corio/core/remote_loop.hpp>
#include <corio/core/task_handle.hpp>
#include <corio/thread/thread_pool.hpp>

#include "../io/backend.hpp"
#include "../io/watchers.hpp"
#include "loop_registry.hpp"

namespace corio {

namespace {
/// Ready items a loop runs before it looks at I/O and timers again while work keeps coming: the
/// fairness bound that lets `yield_now` cost no syscall (Tokio's `event_interval` is 61 too).
constexpr std::size_t poll_interval = 61;

/// A time at or after `clock::now()`, read cheaply: the kernel's coarse monotonic clock (the
/// time of the last tick, read from the vDSO without a counter read) plus its resolution. Tells
/// the loop whether a precise read could find the next timer due, so that a busy loop with
/// timers pending pays a few nanoseconds per iteration instead of a full clock read.
time_point coarse_now_upper_bound() noexcept {
#if defined(__linux__) && defined(CLOCK_MONOTONIC_COARSE)
    // libstdc++'s steady_clock is CLOCK_MONOTONIC; the coarse clock has the same origin.
    static const duration resolution = [] {
        timespec res{};
        if (::clock_getres(CLOCK_MONOTONIC_COARSE, &res) != 0) return duration::max();
        return std::chrono::seconds(res.tv_sec) + std::chrono::nanoseconds(res.tv_nsec);
    }();
    timespec ts{};
    if (resolution == duration::max() || ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0) {
        return time_point::max();  // unknown: always read the precise clock
    }
    const duration coarse = std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
    return detail::add_saturated(time_point(coarse), resolution);
#else
    return time_point::max();
#endif
}

/// Python's own start-up choice: SIGPIPE ignored (if nobody chose otherwise), so that a write to a
/// closed pipe raises broken_pipe_error instead of killing the process. Once per process.
void ignore_sigpipe() {
    static const bool done = [] {
        struct sigaction current {};
        if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL &&
            !(current.sa_flags & SA_SIGINFO)) {
            ::signal(SIGPIPE, SIG_IGN);
        }
        return true;
    }();
    (void)done;
}

bool debug_from_environment() {
    const char* v = std::getenv("CORIO_DEBUG");
    return v && std::string_view(v) == "1";
}
}  // namespace

namespace detail {
bool loop_accepts_callbacks(const event_loop* loop) noexcept {
    return is_live_loop(loop) && !loop->is_closed();
}

void cancel_callback(callback_node* node) noexcept {
    if (node->cancelled) return;
    node->cancelled = true;
    if (node->queued()) {  // still waiting for its deadline: drop it from the timer queue now
        node->loop->remove_timer(node);
        node->release();
    }
}
}  // namespace detail

event_loop::event_loop(loop_options options)
    : options_(options),
      backend_(detail::make_backend(options.backend)),
      anchor_(std::make_shared<detail::loop_anchor>()) {
    anchor_->loop = this;
    debug_ = options.debug == debug_mode::on ||
             (options.debug == debug_mode::from_environment && debug_from_environment());
    detail::register_live_loop(this);
    ignore_sigpipe();
}

event_loop::~event_loop() {
    if (!closed_) close();
    {
        // A thread posting through a remote_loop holds this lock while it touches the loop.
        std::lock_guard lock(anchor_->mutex);
        anchor_->loop = nullptr;
    }
    detail::unregister_live_loop(this);
}

time_point event_loop::time() const noexcept {
    if (options_.clock == clock_mode::virtual_time) {
        last_now_ = virtual_now_;
    } else {
        // Monotonic, but kept so even if the clock were not: last_now_ never goes back.
        last_now_ = std::max(last_now_, clock::now());
    }
    return last_now_;
}

void event_loop::fire_due_timers(time_point now) {
    while (detail::timer_node* t = timers_.pop_expired(now)) t->ops->fire(t);
}

bool event_loop::deadline_may_have_passed(time_point deadline) const noexcept {
    if (options_.clock == clock_mode::virtual_time) return false;  // time() would not move
    return coarse_now_upper_bound() >= deadline;
}

void event_loop::check_runnable() const {
    if (closed_) throw std::logic_error("event loop is closed");
}

void event_loop::report_capturing_lambda() noexcept {
    call_exception_handler(
        {"create_task() was given a coroutine lambda with captures: the lambda must outlive the "
         "task, and create_task([&]() -> task<> {...}()) destroys it at the end of the "
         "statement; use corio::spawn(lambda, args...), which keeps it in the task",
         nullptr,
         {}});
}

void event_loop::enter_running() {
    check_runnable();
    if (running_) throw std::logic_error("event loop is already running");
    if (detail::running_loop) {
        throw std::logic_error("cannot run an event loop while another is running on this thread");
    }
    running_ = true;
    owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
    detail::running_loop = this;
}

void event_loop::leave_running() noexcept {
    running_ = false;
    owner_.store(std::thread::id(), std::memory_order_relaxed);
    stopping_ = false;
    detail::running_loop = nullptr;
}

void event_loop::run_forever() {
    run_until([] { return false; });
}

void event_loop::close() {
    if (running_) throw std::logic_error("cannot close a running event loop");
    if (closed_) return;
    {
        // Under the mutex: call_soon_threadsafe reads it from other threads, and must either
        // queue its callback before this point or be refused after it.
        std::lock_guard lock(threadsafe_mutex_);
        closed_ = true;
    }
    remove_signal_handlers();
    // First the kernel lets go of every buffer: operations in flight are cancelled and their
    // final completions reaped (they wake their tasks, which are abandoned below) before any
    // frame that owns a buffer is destroyed.
    backend_->cancel_all();
    // Callbacks other threads posted join the ready queue, to be discarded (destroyed unrun) with
    // the rest, in order.
    drain_threadsafe();
    const auto discard_ready = [this] {
        while (!ready_.empty()) {
            detail::ready_node* node = ready_.pop();
            if (node->ops->discard) node->ops->discard(node);
        }
    };
    // First empty the ready queue: abandoning a task may free its record, which must not be left
    // queued (a task scheduled but never run, whose handle is gone).
    discard_ready();
    // No frame may outlive the loop it would touch when destroyed: finish pending tasks here.
    // Abandoning one completes it, which schedules whatever awaits it (a task, a gather...); that
    // one may be abandoned and freed next while still queued: keep every record alive until the
    // queue is drained again.
    const std::vector<task_ref> abandoned = all_tasks();
    while (tasks_) {
        call_exception_handler({"Task was destroyed but it is pending!", nullptr, tasks_->name()});
        tasks_->abandon();
    }
    discard_ready();    // the done-callbacks and wake-ups those tasks scheduled as they finished
    watchers_.reset();  // their operations were reaped and their queued calls discarded
    while (!timers_.empty()) {
        detail::timer_node* node = timers_.pop_expired(time_point::max());
        if (node->ops->discard) node->ops->discard(node);
    }
    // Last, the default executor's jobs finish (asyncio.run's shutdown_default_executor). Only now:
    // a job waiting for something of this loop (a run_coroutine_threadsafe future) has been
    // released by the cancellations above instead of waiting for a loop that no longer runs, and
    // what jobs post back here is refused.
    if (default_executor_) {
        default_executor_->shutdown(shutdown_wait::wait, pending_jobs::run);
        default_executor_.reset();
    }
}

void event_loop::run_once() {
    if (ready_.empty() || since_poll_ >= poll_interval) {
        since_poll_ = 0;
        const time_point next = timers_.next_deadline();  // max(): no timer, or only "never" ones
        std::optional<duration> timeout;  // empty: wait until I/O or a wake-up arrives
        if (!ready_.empty() || stopping_ || threadsafe_count_.load() != 0) {
            timeout = duration::zero();
        } else if (next != time_point::max()) {
            if (options_.clock == clock_mode::virtual_time && !backend_->has_io_waiters()) {
                // Nothing else can happen first: jump to the next deadline.
                virtual_now_ = std::max(virtual_now_, next);
                timeout = duration::zero();
            } else {
                timeout = std::max(detail::sub_saturated(next, time()), duration::zero());
            }
        } else if (options_.clock == clock_mode::virtual_time && !backend_->has_io_waiters()) {
            throw std::logic_error(
                "event loop deadlock: every task is waiting and nothing can wake them");
        }
        // A poll that may not wait, with no I/O registered, could only collect wake-ups, and the
        // loop learns of posted callbacks from threadsafe_count_ anyway: skip the syscall, which
        // is most of what a busy loop spends on polling. (A wake-up left unread makes the next
        // blocking wait return at once, harmlessly.)
        if (timeout != duration::zero() || backend_->has_io_waiters()) backend_->poll(timeout);
        drain_threadsafe();
        // No timer, no clock read: a poll may come per I/O event (the epoll backend's).
        if (!timers_.empty()) fire_due_timers(time());
    } else if (!timers_.empty()) {
        // Between polls, due timers still fire every iteration, as asyncio's do: at once when the
        // earliest deadline is at or before the last time read (a timer armed already due:
        // `call_later(0)`, `timeout(0)`, a scope rescheduled into the past), and otherwise after
        // a fresh clock read, made only when the coarse clock says the deadline may have come.
        const time_point next = timers_.next_deadline();
        if (next <= last_now_ || (next != time_point::max() && deadline_may_have_passed(next))) {
            fire_due_timers(time());
        }
    }
    // Run what was ready when the iteration began; what those schedule runs next iteration.
    // (A node may leave the queue meanwhile, `unschedule`: the batch accounts for it.)
    ready_.begin_batch();
    while (detail::ready_node* node = ready_.pop_batch()) {
        ++since_poll_;
        if (!debug_) [[likely]] {
            node->ops->run(node);
            continue;
        }
        // The name is taken first: a step that finishes its task may free the record.
        std::string task_name = detail::task_record_base::is_task_node(node)
                                    ? static_cast<detail::task_record_base*>(node)->name()
                                    : std::string();
        const auto start = clock::now();
        node->ops->run(node);
        const auto took = clock::now() - start;
        if (took > options_.slow_callback_duration) {
            char seconds[32];
            std::snprintf(seconds, sizeof seconds, "%.3f",
                          std::chrono::duration<double>(took).count());
            call_exception_handler({std::string("Executing ") +
                                        (task_name.empty() ? "a callback" : "a step of the task") +
                                        " took " + seconds + " seconds",
                                    nullptr, std::move(task_name)});
        }
    }
}

void event_loop::run_callback(detail::ready_node* n) {
    auto* node = static_cast<detail::callback_node*>(n);
    if (!node->cancelled) {
        try {
            node->invoke(node);
        } catch (...) {
            node->loop->call_exception_handler(
                {"Exception in callback", std::current_exception(), {}});
        }
    }
    node->release();  // the queue's reference
}

void event_loop::fire_timer_callback(detail::timer_node* t) {
    auto* node = static_cast<detail::callback_node*>(t);
    node->loop->schedule(node);  // the timer queue's reference passes to the ready queue
}

const detail::ready_ops event_loop::callback_ready_ops{
    &run_callback,
    [](detail::ready_node* n) noexcept { static_cast<detail::callback_node*>(n)->release(); }};
const detail::timer_ops event_loop::callback_timer_ops{
    &fire_timer_callback,
    [](detail::timer_node* n) noexcept { static_cast<detail::callback_node*>(n)->release(); }};

void event_loop::register_task(detail::task_record_base* task) noexcept {
    task->prev_task_ = nullptr;
    task->next_task_ = tasks_;
    if (tasks_) tasks_->prev_task_ = task;
    tasks_ = task;
}

void event_loop::unregister_task(detail::task_record_base* task) noexcept {
    (task->prev_task_ ? task->prev_task_->next_task_ : tasks_) = task->next_task_;
    if (task->next_task_) task->next_task_->prev_task_ = task->prev_task_;
    task->prev_task_ = task->next_task_ = nullptr;
}

std::vector<task_ref> event_loop::all_tasks() const {
    std::vector<task_ref> out;
    for (detail::task_record_base* t = tasks_; t; t = t->next_task_) {
        t->add_ref();
        out.emplace_back(detail::core_ref<detail::task_record_base>(t));
    }
    return out;
}

void event_loop::call_exception_handler(const exception_context& context) noexcept {
    if (!handler_) {
        default_exception_handler(context);
        return;
    }
    try {
        handler_(*this, context);
    } catch (...) {
        // A failing handler must not take the loop down, nor hide its own error or the report it
        // failed to handle: both go to the default handler (asyncio does the same).
        const std::exception_ptr error = std::current_exception();
        try {
            default_exception_handler(
                {"Unhandled error in exception handler", error, context.task_name});
        } catch (...) {  // no memory for the report's strings
        }
        default_exception_handler(context);
    }
}

void event_loop::default_exception_handler(const exception_context& context) noexcept {
    try {
        std::string text = "corio: " + context.message;
        if (!context.task_name.empty()) text += "\n  task: " + context.task_name;
        if (context.exception) {
            try {
                std::rethrow_exception(context.exception);
            } catch (const std::exception& e) {
                text += "\n  exception: " + std::string(e.what());
            } catch (const cancelled_error& e) {
                text += "\n  exception: cancelled_error: " + std::string(e.what());
            } catch (...) {
                text += "\n  exception: (not a std::exception)";
            }
        }
        std::cerr << text << '\n';
    } catch (...) {
    }
}

std::string_view event_loop::backend_name() const noexcept { return backend_->name(); }

event_loop& get_running_loop() {
    if (!detail::running_loop) throw std::runtime_error("no running event loop");
    return *detail::running_loop;
}

task_ref current_task() {
    detail::task_record_base* r = detail::current_record;
    if (!r) return {};
    r->add_ref();
    return task_ref(detail::core_ref<detail::task_record_base>(r));
}

std::vector<task_ref> all_tasks() { return get_running_loop().all_tasks(); }

namespace detail {
void shutdown(event_loop& loop) noexcept {
    try {
        if (loop.is_closed()) return;
        auto tasks = loop.all_tasks();
        if (!tasks.empty()) {
            for (auto& t : tasks) t.cancel();
            loop.run_until([&] {
                return std::all_of(tasks.begin(), tasks.end(), [](auto& t) { return t.done(); });
            });
            for (auto& t : tasks) {
                if (t.done() && !t.cancelled() && t.exception()) {
                    loop.call_exception_handler({"unhandled exception during corio::run() shutdown",
                                                 t.exception(), t.get_name()});
                }
            }
        }
        loop.close();
    } catch (...) {
        loop.call_exception_handler(
            {"error while shutting down the event loop", std::current_exception(), {}});
    }
}
}  // namespace detail

}  // namespace corio
