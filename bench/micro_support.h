// What the micro-benchmarks share: a failure that stops the benchmark and makes the run exit 1.
#pragma once

#include <benchmark/benchmark.h>

#include <string>

namespace sc::bench {

// Stops the running benchmark with `why` (Google Benchmark prints it) and remembers that one
// failed, so main's exit status says so.
void mark_failed(benchmark::State& state, const std::string& why);
bool any_failed();

}  // namespace sc::bench
