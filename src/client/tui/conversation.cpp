#include "client/tui/conversation.h"

#include <ctime>

#include "client/tui/input_line.h"
#include "common/display_text.h"

namespace sc::client::tui {
namespace {

Entry make_entry(std::uint64_t ts_ms, std::string who, std::string text, Mark mark, bool notice) {
    Entry e;
    e.ts_ms = ts_ms;
    e.who = std::move(who);
    e.text = std::move(text);
    e.mark = mark;
    e.notice = notice;
    return e;
}

}  // namespace

std::string clock_text(std::uint64_t ts_ms) {
    auto secs = static_cast<std::time_t>(ts_ms / 1000);
    std::tm tm{};
    localtime_r(&secs, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
    return buf;
}

const char* mark_text(Mark mark) {
    switch (mark) {
        case Mark::sending:
            return "…";
        case Mark::sent:
            return "→";
        case Mark::acknowledged:
            return "✓";
        case Mark::failed:
            return "✗";
        case Mark::none:
            return "";
    }
    return "";
}

void Conversation::notice(std::uint64_t ts_ms, std::string text) {
    entries_.push_back(make_entry(ts_ms, "*", std::move(text), Mark::none, true));
    trim();
}

std::size_t Conversation::add_own(std::uint64_t ts_ms, std::string text) {
    entries_.push_back(make_entry(ts_ms, "you", std::move(text), Mark::sending, false));
    std::size_t index = dropped_ + entries_.size() - 1;
    trim();
    return index;
}

void Conversation::numbered(std::size_t index, std::uint64_t seqno) {
    if (index < dropped_ || index - dropped_ >= entries_.size()) {
        return;
    }
    entries_[index - dropped_].mark = Mark::sent;
    by_seqno_[seqno] = index;
}

void Conversation::acknowledged(std::uint64_t seqno) {
    auto it = by_seqno_.find(seqno);
    if (it == by_seqno_.end()) {
        return;
    }
    if (it->second >= dropped_ && it->second - dropped_ < entries_.size()) {
        entries_[it->second - dropped_].mark = Mark::acknowledged;
    }
    by_seqno_.erase(it);
}

void Conversation::failed(std::size_t index) {
    if (index >= dropped_ && index - dropped_ < entries_.size()) {
        entries_[index - dropped_].mark = Mark::failed;
    }
}

void Conversation::add_received(std::uint64_t ts_ms, std::string who, std::string text) {
    entries_.push_back(make_entry(ts_ms, std::move(who), std::move(text), Mark::none, false));
    trim();
}

void Conversation::warning(std::uint64_t ts_ms, std::string text) {
    Entry e = make_entry(ts_ms, "*", std::move(text), Mark::none, true);
    e.warning = true;
    entries_.push_back(std::move(e));
    trim();
}

Entry* Conversation::at(std::size_t index) {
    if (index < dropped_ || index - dropped_ >= entries_.size()) {
        return nullptr;
    }
    return &entries_[index - dropped_];
}

const Entry* Conversation::at(std::size_t index) const {
    return const_cast<Conversation*>(this)->at(index);
}

void Conversation::trim() {
    while (entries_.size() > max_entries_) {
        entries_.erase(entries_.begin());
        ++dropped_;
    }
}

std::vector<std::string> Conversation::render(std::size_t width, std::size_t height,
                                              std::size_t skip) const {
    std::vector<std::string> rows;
    if (width < 12 || height == 0) {
        return rows;
    }
    std::size_t wanted = height + skip;
    // Walk back from the newest entry until the pane is full.
    for (auto it = entries_.rbegin(); it != entries_.rend() && rows.size() < wanted; ++it) {
        // Names and texts come from the peer: rendered by display_text before wrapping, so
        // the widths are those of what is drawn and no control reaches ncurses (M1, L14).
        std::string prefix =
            clock_text(it->ts_ms) + " " +
            (it->seqno != 0 ? "#" + std::to_string(it->seqno) + " " : std::string()) +
            (it->notice ? std::string(it->warning ? "* WARNING" : "*")
                        : "<" + display_text(it->who) + ">") +
            " ";
        std::string suffix = !it->status.empty()      ? " " + display_text(it->status)
                             : it->mark == Mark::none ? ""
                                                      : std::string(" ") + mark_text(it->mark);
        std::u32string body = from_utf8(display_text(it->text) + suffix);
        std::size_t indent = from_utf8(prefix).size();
        std::vector<std::string> lines;
        std::size_t avail = width > indent + 4 ? width - indent : width;
        bool first = true;
        std::size_t pos = 0;
        do {
            std::size_t take = std::min(avail, body.size() - pos);
            std::string head = first && width > indent + 4
                                   ? prefix
                                   : std::string(width > indent + 4 ? indent : 0, ' ');
            lines.push_back(head + to_utf8(body.substr(pos, take)));
            pos += take;
            first = false;
        } while (pos < body.size());
        for (auto line = lines.rbegin(); line != lines.rend() && rows.size() < wanted; ++line) {
            rows.push_back(*line);
        }
    }
    // Scrolled back: the newest `skip` rows are below the pane (at most all but one screenful).
    std::size_t drop = rows.size() > height ? std::min(skip, rows.size() - height) : 0;
    return std::vector<std::string>(rows.rbegin(), rows.rend() - static_cast<std::ptrdiff_t>(drop));
}

bool is_alert_row(const std::string& row) {
    // clock_text is "hh:mm:ss"; a notice has no seqno, so its "*" follows the clock.
    constexpr std::size_t kClock = 8;
    if (row.size() <= kClock || row[2] != ':' || row[5] != ':') {
        return false;
    }
    return row.compare(kClock, 10, " * error: ") == 0 ||
           row.compare(kClock, 11, " * WARNING ") == 0;
}

}  // namespace sc::client::tui
