#pragma once
/// @file
/// Done-callbacks of futures and tasks: scheduled on the loop when the future completes, as
/// asyncio does with `call_soon(callback, future)`, so they run in order and never re-enter the
/// code that completed the future.

#include <exception>
#include <type_traits>
#include <utility>

#include <corio/core/detail/future_core.hpp>
#include <corio/core/detail/ready_queue.hpp>
#include <corio/core/event_loop.hpp>

namespace corio::detail {

/// True if `loop` is alive on this thread and not closed (defined in src/core/event_loop.cpp).
[[nodiscard]] bool loop_accepts_callbacks(const event_loop* loop) noexcept;

template <class Handle, class State, class F>
class done_callback_node final : completion_node, ready_node {
public:
    done_callback_node(State* state, F fn) : state_(state), fn_(std::move(fn)) {
        completion_node::fire = [](completion_node* n, future_core&) {
            auto* self = static_cast<done_callback_node*>(n);
            if (!loop_accepts_callbacks(self->state_->loop())) {
                // A future can outlive its loop; with no loop to run on, the callback is dropped
                // (asyncio would raise 'Event loop is closed' from the code completing it).
                delete self;
                return;
            }
            self->state_->add_ref();  // keep the state alive until the callback has run
            self->state_->loop()->schedule(self);
        };
        completion_node::drop = [](completion_node* n) noexcept {
            delete static_cast<done_callback_node*>(n);
        };
        static constexpr ready_ops ops{
            .run =
                [](ready_node* n) {
                    auto* self = static_cast<done_callback_node*>(n);
                    event_loop* loop = self->state_->loop();
                    try {
                        // Adopts the reference taken on fire.
                        Handle handle(core_ref<State>(self->state_));
                        self->fn_(handle);
                    } catch (...) {
                        loop->call_exception_handler(
                            {"Exception in done callback", std::current_exception(), {}});
                    }
                    delete self;
                },
            .discard =
                [](ready_node* n) noexcept {
                    auto* self = static_cast<done_callback_node*>(n);
                    self->state_->release();
                    delete self;
                },
        };
        ready_node::ops = &ops;
    }

    static void attach(State& state, F fn) {
        state.attach(static_cast<completion_node*>(new done_callback_node(&state, std::move(fn))));
    }

private:
    State* state_;
    F fn_;
};

/// Schedules `fn(handle)` once `state` completes; `Handle` is the public type wrapping `State`.
template <class State, class Handle, class F>
void add_done_callback(State& state, const Handle&, F&& fn) {
    done_callback_node<Handle, State, std::decay_t<F>>::attach(state, std::forward<F>(fn));
}

}  // namespace corio::detail
