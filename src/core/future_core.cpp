// The shared state of futures and tasks (include/corio/core/detail/future_core.hpp).
#include <stdexcept>

#include <corio/core/detail/future_core.hpp>
#include <corio/core/event_loop.hpp>

#include "loop_registry.hpp"

namespace corio::detail {

bool is_cancellation(const std::exception_ptr& error) noexcept {
    if (!error) return false;
    try {
        std::rethrow_exception(error);
    } catch (const cancelled_error&) {
        return true;
    } catch (...) {
        return false;
    }
}

std::string cancellation_message(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const cancelled_error& e) {
        return e.message();
    } catch (...) {
        return {};
    }
}

future_core::~future_core() {
    // Only done-callbacks can still be attached (a waiting task keeps the future alive).
    while (completion_node* n = head_) {
        detach(n);
        if (n->drop) n->drop(n);
    }
}

void future_core::destroy() noexcept {
    if (status_ == future_status::finished && exception_ && !retrieved_) {
        exception_context context{std::string(kind()) + " exception was never retrieved",
                                  exception_, describe()};
        if (is_live_loop(loop_)) {
            loop_->call_exception_handler(context);
        } else {
            event_loop::default_exception_handler(context);
        }
    }
    delete this;
}

std::string future_core::describe() const { return "Future"; }

bool future_core::cancel_future(std::string message) {
    if (done()) return false;
    exception_ = std::make_exception_ptr(cancelled_error(std::move(message)));
    complete(future_status::cancelled);
    return true;
}

void future_core::set_exception(std::exception_ptr error) {
    if (done()) throw invalid_state_error("future is already done");
    if (!error) throw std::invalid_argument("set_exception: null exception_ptr");
    exception_ = std::move(error);
    complete(future_status::finished);
}

std::exception_ptr future_core::exception() {
    if (status_ == future_status::pending) throw invalid_state_error("Exception is not set.");
    if (status_ == future_status::cancelled) std::rethrow_exception(exception_);
    retrieved_ = true;
    return exception_;
}

void future_core::rethrow_if_failed() {
    if (status_ == future_status::pending) throw invalid_state_error("Result is not set.");
    retrieved_ = true;
    if (exception_) std::rethrow_exception(exception_);
}

void future_core::attach(completion_node* node) noexcept {
    if (done()) {
        node->fire(node, *this);
        return;
    }
    if (!head_) {
        node->prev = node->next = head_ = node;
        return;
    }
    completion_node* const tail = head_->prev;
    node->prev = tail;
    node->next = head_;
    tail->next = node;
    head_->prev = node;
}

void future_core::detach(completion_node* node) noexcept {
    if (node->next == node) {
        head_ = nullptr;
    } else {
        node->prev->next = node->next;
        node->next->prev = node->prev;
        if (head_ == node) head_ = node->next;
    }
    node->prev = node->next = nullptr;
}

void future_core::complete(future_status status) noexcept {
    status_ = status;
    add_ref();  // a node may drop the last other reference while we walk the list
    while (completion_node* node = head_) {
        detach(node);
        node->fire(node, *this);
    }
    release();
}

}  // namespace corio::detail
