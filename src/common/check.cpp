#include "common/check.h"

#include <cstdio>
#include <cstdlib>

namespace sc::detail {

// stdio, not iostreams or spdlog: this runs when the process is already in a bad state.
void check_failed(const char* condition, const char* file, int line) noexcept {
    std::fprintf(stderr, "securechat: internal check failed at %s:%d: %s\n", file, line, condition);
    std::fflush(stderr);
    std::abort();
}

}  // namespace sc::detail
