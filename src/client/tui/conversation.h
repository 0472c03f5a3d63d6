// The conversation pane as a model: entries with a time, an author and a delivery mark, wrapped
// to the pane's width. No ncurses in it, so it can be tested directly.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sc::client::tui {

enum class Mark { none, sending, sent, acknowledged, failed };

struct Entry {
    std::uint64_t ts_ms = 0;
    std::string who;  // "you", the sender's name, or "*" for notices
    std::string text;
    Mark mark = Mark::none;
    bool notice = false;  // a line from the client itself (errors, help)
    // End-to-end messages (conversation_list.h): the sender's counter, drawn as "#N" before the
    // author when set, and the delivery state in words, drawn instead of `mark` when set.
    std::uint64_t seqno = 0;
    std::string status;
    bool warning = false;  // a security warning: drawn as "* WARNING …" (and in colour)
};

class Conversation {
  public:
    explicit Conversation(std::size_t max_entries = 5000) : max_entries_(max_entries) {}

    void notice(std::uint64_t ts_ms, std::string text);
    // Our own message, shown at once; marked when the session numbers and acknowledges it.
    std::size_t add_own(std::uint64_t ts_ms, std::string text);
    void numbered(std::size_t index, std::uint64_t seqno);
    void acknowledged(std::uint64_t seqno);
    void failed(std::size_t index);
    void add_received(std::uint64_t ts_ms, std::string who, std::string text);

    void warning(std::uint64_t ts_ms, std::string text);

    const std::vector<Entry>& entries() const { return entries_; }
    // The entry of an index add_own (or index_of_last) returned, or nullptr once it was dropped.
    Entry* at(std::size_t index);
    const Entry* at(std::size_t index) const;
    std::size_t index_of_last() const { return dropped_ + entries_.size() - 1; }
    std::size_t first_index() const { return dropped_; }
    // The last `height` display rows for a pane `width` columns wide (UTF-8 aware wrapping),
    // `skip` rows above the newest one (scrolled back).
    std::vector<std::string> render(std::size_t width, std::size_t height,
                                    std::size_t skip = 0) const;

  private:
    void trim();

    std::size_t max_entries_;
    std::size_t dropped_ = 0;  // entries removed from the front, so indexes stay stable
    std::vector<Entry> entries_;
    std::map<std::uint64_t, std::size_t> by_seqno_;
};

std::string clock_text(std::uint64_t ts_ms);  // "14:09:21", local time
const char* mark_text(Mark mark);             // "…", "✓", "✗", or ""

// A row of the client's own error or warning (Conversation::render: "12:00:00 * error: …",
// "12:00:00 * WARNING …"). Only the start of a row counts: a peer's text comes after its
// "<name> " or a continuation indent, so a message that holds these words is not drawn as one.
bool is_alert_row(const std::string& row);

}  // namespace sc::client::tui
