// The input line of the terminal UI as a model: editing, cursor, history and hidden (password)
// entry, with no ncurses in it so it can be tested directly.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sc::client::tui {

enum class Key {
    character,
    enter,
    backspace,
    del,
    left,
    right,
    home,
    end,
    up,
    down,
    kill_to_end,    // Ctrl-K
    kill_to_start,  // Ctrl-U
    kill_word,      // Ctrl-W
    other,
};

class InputLine {
  public:
    // Hidden entry shows nothing of what is typed and keeps it out of the history.
    void set_hidden(bool hidden) { hidden_ = hidden; }
    bool hidden() const { return hidden_; }

    // Applies one key; returns the submitted text on Enter.
    std::optional<std::string> apply(Key key, char32_t ch = 0);

    const std::u32string& text() const { return text_; }
    std::size_t cursor() const { return cursor_; }
    // What to draw (UTF-8), and the cursor column in it; '*' per character when hidden.
    std::string display() const;
    void clear();
    // Wipes the buffer's whole memory, past the text too (after Enter, and so after a
    // password was typed); the buffer never reallocates without wiping the old one.
    void wipe();
    // Drops the newest history entry, wiped: for a line that turned out to hold a secret
    // (a /useradd password typed on the line).
    void forget_last_history();

  private:
    void load_history(std::size_t index);
    void grow();

    std::u32string text_;
    std::size_t cursor_ = 0;
    bool hidden_ = false;
    std::vector<std::u32string> history_;
    std::size_t history_pos_ = 0;  // == history_.size() when editing a new line
    std::u32string draft_;         // the new line, kept while browsing history
};

std::string to_utf8(const std::u32string& text);
// Strict (common/display_text.h's decoder): each byte that is not well-formed UTF-8 becomes
// '?'.
std::u32string from_utf8(const std::string& text);
// A Unicode scalar value that is not a control, bidi override or separator: what the input
// line accepts as a typed character, so it never draws a control.
bool is_typeable(char32_t ch);

}  // namespace sc::client::tui
