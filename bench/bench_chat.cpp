#include "bench_chat.h"

namespace sc::bench {

BenchChat::BenchChat(const std::vector<std::string>& argv, std::string label)
    : process_(argv), label_(std::move(label)) {
    if (!process_.started()) {
        throw BenchFailure(label_ + ": the client did not start");
    }
}

void BenchChat::say(const std::string& line) {
    if (!process_.write_line(line)) {
        throw BenchFailure(label_ + ": the client is gone\n" + tail());
    }
}

json BenchChat::next_event(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return json();
        }
        auto line = process_.read_line(left);
        if (!line) {
            return json();
        }
        auto event = json::parse(*line, nullptr, false);
        if (!event.is_discarded() && event.is_object() && event.contains("event")) {
            return event;
        }
    }
}

json BenchChat::await(const std::string& name, std::chrono::seconds timeout, const Match& match) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        auto event = next_event(left);
        if (event.is_null()) {
            throw BenchFailure(label_ + ": no '" + name + "' event came\n" + tail());
        }
        const auto kind = event.value("event", "");
        if (kind == "error") {
            throw BenchFailure(label_ + ": error while awaiting '" + name + "': " + event.dump());
        }
        if (kind == name && (!match || match(event))) {
            return event;
        }
    }
}

void BenchChat::quit() {
    process_.write_line("/quit");
    process_.close_input();
    process_.wait_exit(std::chrono::seconds(30));
}

std::string BenchChat::tail() const {
    const auto& seen = process_.seen();
    std::string out;
    for (std::size_t i = seen.size() > 20 ? seen.size() - 20 : 0; i < seen.size(); ++i) {
        out += "  " + seen[i] + "\n";
    }
    return out;
}

}  // namespace sc::bench
