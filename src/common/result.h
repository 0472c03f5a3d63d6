// Result<T, E>: a value or an error, for failures caused by input (files, peers, users).
// Broken invariants of our own are SC_CHECKs (common/check.h), not Results.
#pragma once

#include "common/check.h"

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace sc {

// The default error: a sentence a user can read, carrying its cause.
struct Error {
    std::string message;
};

template <class E>
struct Failure {
    E error;
};

template <class E>
Failure<std::decay_t<E>> fail(E&& error) {
    return Failure<std::decay_t<E>>{std::forward<E>(error)};
}

inline Failure<Error> fail(std::string message) {
    return Failure<Error>{Error{std::move(message)}};
}

template <class T, class E = Error>
class [[nodiscard]] Result {
  public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    template <class G>
    Result(Failure<G> failure) : state_(std::in_place_index<1>, E{std::move(failure.error)}) {}

    bool ok() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & {
        SC_CHECK(ok());
        return std::get<0>(state_);
    }
    const T& value() const& {
        SC_CHECK(ok());
        return std::get<0>(state_);
    }
    T&& value() && {
        SC_CHECK(ok());
        return std::get<0>(std::move(state_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const E& error() const& {
        SC_CHECK(!ok());
        return std::get<1>(state_);
    }
    E&& error() && {
        SC_CHECK(!ok());
        return std::get<1>(std::move(state_));
    }

  private:
    std::variant<T, E> state_;
};

template <class E>
class [[nodiscard]] Result<void, E> {
  public:
    Result() = default;
    template <class G>
    Result(Failure<G> failure) : error_(E{std::move(failure.error)}), failed_(true) {}

    bool ok() const noexcept { return !failed_; }
    explicit operator bool() const noexcept { return ok(); }
    const E& error() const& {
        SC_CHECK(failed_);
        return error_;
    }
    E&& error() && {
        SC_CHECK(failed_);
        return std::move(error_);
    }

  private:
    E error_{};
    bool failed_ = false;
};

using Status = Result<void>;

}  // namespace sc

#define SC_CONCAT_INNER(a, b) a##b
#define SC_CONCAT(a, b) SC_CONCAT_INNER(a, b)

// SC_TRY(expr): return the error of a failed Result<...> expression.
#define SC_TRY(expr)                                              \
    do {                                                          \
        auto&& sc_try_result_ = (expr);                           \
        if (!sc_try_result_) {                                    \
            return ::sc::fail(std::move(sc_try_result_).error()); \
        }                                                         \
    } while (false)

// SC_TRY_ASSIGN(decl, expr): declare `decl` from the value of expr, or return its error.
#define SC_TRY_ASSIGN(decl, expr) SC_TRY_ASSIGN_IMPL(SC_CONCAT(sc_try_, __LINE__), decl, expr)
#define SC_TRY_ASSIGN_IMPL(tmp, decl, expr)        \
    auto tmp = (expr);                             \
    if (!tmp) {                                    \
        return ::sc::fail(std::move(tmp).error()); \
    }                                              \
    decl = std::move(tmp).value()
