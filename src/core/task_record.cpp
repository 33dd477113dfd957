// The scheduled task and its driver (include/corio/core/detail/task_frame.hpp).
#include <corio/core/detail/task_frame.hpp>
#include <corio/core/event_loop.hpp>

namespace corio::detail {

const ready_ops task_record_base::step_ops{
    [](ready_node* self) { static_cast<task_record_base*>(self)->step(); },
    // The queue owns no reference to a task (the loop's list does): just note it left the queue.
    [](ready_node* self) noexcept {
        auto* task = static_cast<task_record_base*>(self);
        task->scheduled_ = false;
        task->timer_turn_ = false;
    },
};

task_record_base::task_record_base(event_loop* loop, task_frame* root, std::string name)
    : future_core(loop), leaf_(root), id_(loop->next_task_id()) {
    ready_node::ops = &step_ops;
    if (!name.empty()) name_ = std::make_unique<std::string>(std::move(name));
}

task_record_base::~task_record_base() = default;

void task_record_base::schedule() noexcept {
    if (scheduled_) return;
    scheduled_ = true;
    loop_->schedule(this);
}

void task_record_base::schedule_from_timer() noexcept {
    if (scheduled_) return;
    scheduled_ = true;
    timer_turn_ = true;
    loop_->schedule(this);
}

void task_record_base::cancel_timer_turn() noexcept {
    timer_turn_ = false;
    loop_->unschedule(this);
    loop_->schedule(this);
}

void task_record_base::step() {
    if (timer_turn_) [[unlikely]] {
        // The timer's turn: from here the sleep is over; the step itself goes to the back.
        timer_turn_ = false;
        loop_->schedule(this);
        return;
    }
    scheduled_ = false;
    waiting_ = nullptr;  // whatever it waited for has woken it
    if (!started_) [[unlikely]] {
        started_ = true;
        if (exception_) {  // cancelled before it ever ran: the body never starts
            finish_unstarted();
            return;
        }
    }
    task_record_base* const outer = current_record;
    current_record = this;
    in_step_ = true;
    budget_left = step_budget;
    task_frame* f = leaf_;
    for (;;) {
        if (!f->returned_) {
            f->handle().resume();
            if (leaf_ != f) {  // f awaited a child task: run the child next
                f = leaf_;
                if (--budget_left == 0) break;
                continue;
            }
            if (!f->returned_) {  // f waits for something outside the chain
                // A cancellation requested while running reaches the new wait at once, as asyncio
                // cancels the future a task yields when `_must_cancel` is set.
                if (exception_ && waiting_ && !cancel_delivered_) [[unlikely]] {
                    hand_pending_cancel_to_wait();
                }
                in_step_ = false;
                current_record = outer;
                return;
            }
        }
        if (!f->parent_) {
            in_step_ = false;
            current_record = outer;
            finish_root();  // may release the last reference: touch nothing after it
            return;
        }
        f = leaf_ = f->parent_;  // the parent's child_awaiter collects the result
        if (--budget_left == 0) break;
    }
    // Budget spent: back to the loop, so timers, I/O and other tasks get their turn.
    in_step_ = false;
    current_record = outer;
    schedule();
}

bool task_record_base::request_cancel(std::string message) {
    if (done()) return false;
    if (cancel_delivered_) {
        // The wait it resumes from already ended with a cancellation: that one, with its message,
        // is what the task will see (asyncio: the cancelled future's CancelledError reaches
        // Task.__step, which then ignores `_must_cancel` and its newer message). Only counted.
        ++cancel_requests_;
        return true;
    }
    // Counted only once nothing can throw (a hook or the exception may fail to allocate): a
    // request that throws leaves the task as if it had never been made.
    if (waiting_ && !in_step_ && waiting_->ops->cancel(waiting_, message)) {
        ++cancel_requests_;
        return true;
    }
    exception_ =
        std::make_exception_ptr(cancelled_error(std::move(message)));  // see cancel_pending
    ++cancel_requests_;
    return true;
}

void task_record_base::hand_pending_cancel_to_wait() {
    // The wait takes the cancellation over (a sleep may store it back here, delivered), or
    // declines and it stays pending.
    std::exception_ptr pending = std::exchange(exception_, nullptr);
    bool taken = false;
    try {
        taken = waiting_->ops->cancel(waiting_, cancellation_message(pending));
    } catch (...) {
        exception_ = std::move(pending);
        throw;
    }
    if (!taken) exception_ = std::move(pending);
}

void task_record_base::drop_pending_cancel() noexcept {
    exception_ = nullptr;
    cancel_delivered_ = false;
}

void task_record_base::raise_pending_cancel() {
    cancel_delivered_ = false;
    std::rethrow_exception(std::exchange(exception_, nullptr));
}

std::string task_record_base::name() const {
    return name_ ? *name_ : "Task-" + std::to_string(id_);
}

void task_record_base::set_name(std::string name) {
    name_ = std::make_unique<std::string>(std::move(name));
}

std::string task_record_base::describe() const { return name(); }

void task_record_base::finish_root() noexcept {
    task_frame* root = leaf_;
    future_status status = future_status::finished;
    if (root->exception_) {
        // A task that lets cancelled_error out is cancelled (a pending cancellation is dropped).
        if (is_cancellation(root->exception_)) status = future_status::cancelled;
        exception_ = std::move(root->exception_);
    } else if (exception_) {
        // A pending cancellation: cancel() returned true and nothing raised it before the body
        // returned (it was asked between two chain transitions, or by the task itself). asyncio's
        // Task.__step then cancels the task instead of setting its result.
        status = future_status::cancelled;
    } else {
        try {
            take_result(*root);
        } catch (...) {
            exception_ = std::current_exception();  // moving the result out threw
        }
    }
    leaf_ = nullptr;
    root->handle().destroy();
    loop_->unregister_task(this);
    complete(status);
    release();  // the loop's reference
}

void task_record_base::finish_unstarted() noexcept {
    task_frame* root = leaf_;
    leaf_ = nullptr;
    root->handle().destroy();
    loop_->unregister_task(this);  // exception_ already holds the cancellation
    complete(future_status::cancelled);
    release();
}

void task_record_base::abandon() noexcept {
    task_frame* f = leaf_;
    for (; f && f->parent_;) {
        task_frame* parent = f->parent_;
        // A task's frame belongs to the chain (its parent's awaiter holds a plain pointer); an
        // async generator's is its generator object's, which must not destroy it again.
        if (f->generator_owned_) *static_cast<generator_frame*>(f)->owner_slot_ = nullptr;
        f->handle().destroy();
        f = parent;
    }
    leaf_ = nullptr;
    waiting_ = nullptr;
    if (f) f->handle().destroy();  // the root
    exception_ = std::make_exception_ptr(cancelled_error("event loop closed"));
    loop_->unregister_task(this);
    complete(future_status::cancelled);
    release();
}

}  // namespace corio::detail
