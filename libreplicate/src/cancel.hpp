#pragma once
// Interrupting a run: every connection of one side registers itself, so that a cancelled run
// can stop what each one is executing, whatever protocol carries it.

#include <atomic>
#include <mutex>
#include <set>

namespace replicate::detail {

/// Something executing statements that another thread can interrupt.
class Cancellable {
public:
    /// Interrupts the running statement, if any. Thread-safe; never throws.
    virtual void cancel() noexcept = 0;

protected:
    ~Cancellable() = default;
};

/// The live connections of one side of a run.
class CancelRegistry {
public:
    void add(Cancellable* c) {
        std::lock_guard<std::mutex> lock(mutex_);
        live_.insert(c);
    }
    void remove(Cancellable* c) {
        std::lock_guard<std::mutex> lock(mutex_);
        live_.erase(c);
    }
    /// Cancels every registered connection's running statement; later waits see cancelled().
    void cancel_all() {
        cancelled_ = true;
        std::lock_guard<std::mutex> lock(mutex_);
        for (Cancellable* c : live_) c->cancel();
    }
    bool cancelled() const { return cancelled_; }

private:
    std::mutex mutex_;
    std::set<Cancellable*> live_;
    std::atomic<bool> cancelled_{false};
};

/// Keeps \p c registered in \p registry (if any) for its own lifetime.
class Registration {
public:
    Registration(CancelRegistry* registry, Cancellable* c) : registry_(registry), c_(c) {
        if (registry_ != nullptr) registry_->add(c_);
    }
    ~Registration() {
        if (registry_ != nullptr) registry_->remove(c_);
    }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

private:
    CancelRegistry* registry_;
    Cancellable* c_;
};

}  // namespace replicate::detail
