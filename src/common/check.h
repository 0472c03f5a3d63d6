// SC_CHECK(condition): an invariant of our own code, checked in every build type.
// A broken invariant is a bug, not bad input: it aborts with the file, line and condition, even
// with NDEBUG (the RelWithDebInfo build CI and releases use), because the invariants it guards are
// about memory and security. Failures caused by input are Results (common/result.h), never checks.
#pragma once

namespace sc::detail {

[[noreturn]] void check_failed(const char* condition, const char* file, int line) noexcept;

}  // namespace sc::detail

#define SC_CHECK(condition)             \
    ((condition) ? static_cast<void>(0) \
                 : ::sc::detail::check_failed(#condition, __FILE__, __LINE__))
