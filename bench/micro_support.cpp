#include "micro_support.h"

#include <atomic>

namespace sc::bench {
namespace {
std::atomic<bool> failed{false};
}

void mark_failed(benchmark::State& state, const std::string& why) {
    failed = true;
    state.SkipWithError(why.c_str());
}

bool any_failed() {
    return failed;
}

}  // namespace sc::bench
