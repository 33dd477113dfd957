// The thread pool (include/corio/thread/thread_pool.hpp).
#include <algorithm>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <pthread.h>

#include <corio/thread/thread_pool.hpp>

namespace corio {

namespace {
/// The pool whose thread this is, if any: `shutdown(wait)` from one of its own jobs would wait for
/// itself forever.
thread_local const thread_pool* current_pool = nullptr;

void set_thread_name(const std::string& name) noexcept {
    // The kernel keeps 15 bytes and a terminator; longer names are refused, not truncated.
    const std::string kernel_name = name.substr(0, 15);
    ::pthread_setname_np(::pthread_self(), kernel_name.c_str());
}
}  // namespace

thread_pool::thread_pool(thread_pool_options options)
    : max_threads_(options.max_threads != 0 ? options.max_threads
                                            : std::max(1u, std::thread::hardware_concurrency())),
      name_prefix_(std::move(options.name_prefix)) {
    threads_.reserve(max_threads_);
}

thread_pool::~thread_pool() {
    shutdown(shutdown_wait::no_wait, pending_jobs::run);
    join_all();
}

void thread_pool::post(std::unique_ptr<job> j) {
    bool wake_one = false;
    {
        std::lock_guard lock(mutex_);
        if (shut_down_) throw executor_shutdown_error();
        // Start a thread when the idle ones are fewer than the jobs waiting, this one included
        // (Python's _adjust_thread_count).
        if (queued_ + 1 > idle_ && threads_.size() < max_threads_) {
            const std::size_t index = threads_.size();
            try {
                threads_.emplace_back([this, index] { work(index); });
            } catch (const std::system_error&) {
                if (threads_.empty()) throw;  // no thread at all could ever run the job
                // Otherwise the running threads will take it.
            }
        }
        job* raw = j.release();
        (tail_ ? tail_->next : head_) = raw;
        tail_ = raw;
        ++queued_;
        wake_one = idle_ > 0;
    }
    // After unlocking: a worker woken under the lock would only block on it at once.
    if (wake_one) wake_.notify_one();
}

void thread_pool::work(std::size_t index) noexcept {
    current_pool = this;
    set_thread_name(name_prefix_ + "-" + std::to_string(index));
    std::unique_lock lock(mutex_);
    for (;;) {
        while (head_ == nullptr && !shut_down_) {
            ++idle_;
            wake_.wait(lock);
            --idle_;
        }
        if (head_ == nullptr) return;  // shut down and drained
        job* j = head_;
        head_ = j->next;
        if (!head_) tail_ = nullptr;
        --queued_;
        lock.unlock();
        j->run();
        delete j;  // outside the lock: the job's captures may do anything when destroyed
        lock.lock();
    }
}

void thread_pool::shutdown(shutdown_wait wait, pending_jobs jobs) {
    if (wait == shutdown_wait::wait && current_pool == this) {
        throw deadlock_error("a thread_pool job waited for its own pool to shut down");
    }
    job* dropped = nullptr;
    {
        std::lock_guard lock(mutex_);
        shut_down_ = true;
        if (jobs == pending_jobs::cancel) {
            dropped = std::exchange(head_, nullptr);
            tail_ = nullptr;
            queued_ = 0;
        }
        wake_.notify_all();
    }
    while (dropped) {  // outside the lock: cancelling runs the futures' callbacks
        job* next = dropped->next;
        dropped->cancel();
        delete dropped;
        dropped = next;
    }
    if (wait == shutdown_wait::wait) join_all();
}

void thread_pool::join_all() noexcept {
    // Held throughout, so that a second `shutdown(wait)` returns only once the first has joined.
    std::lock_guard joining(join_mutex_);
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mutex_);
        threads = std::move(threads_);
        threads_.clear();
    }
    // (A pool destroyed by its own thread cannot join that thread: std::thread's destructor then
    // terminates the program, as documented.)
    for (std::thread& t : threads) {
        if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
    }
}

std::size_t thread_pool::thread_count() const {
    std::lock_guard lock(mutex_);
    return threads_.size();
}

std::size_t thread_pool::pending() const {
    std::lock_guard lock(mutex_);
    return queued_;
}

}  // namespace corio
