// Owns the terminal while the UI runs: ncurses set up on construction and the terminal restored
// on destruction — and also on a crash signal or std::terminate, before the process dies.
#pragma once

#include <string>
#include <vector>

#include "client/tui/input_line.h"

namespace sc::client::tui {

class CursesScreen {
  public:
    CursesScreen();
    ~CursesScreen();
    CursesScreen(const CursesScreen&) = delete;
    CursesScreen& operator=(const CursesScreen&) = delete;

    int rows() const;
    int cols() const;
    void resize_to_terminal();  // after SIGWINCH
    // Draws the whole screen: conversation rows, status bar, input line with its cursor.
    void draw(const std::vector<std::string>& conversation, const std::string& status,
              const std::string& prompt, const std::string& input, std::size_t cursor_column);

    struct KeyPress {
        enum class Kind {
            edit,
            submit,
            resize,
            end_of_input,
            next_conversation,      // Ctrl-N
            previous_conversation,  // Ctrl-P
            page_up,
            page_down,
            ignored
        } kind = Kind::ignored;
        Key key = Key::other;  // for edit
        char32_t ch = 0;       // for Key::character
    };
    // Reads one key without blocking; false when none is waiting. Translates ncurses' codes, so
    // nothing else needs curses.h (whose macros clash with asio).
    bool read_key(KeyPress& press);
};

// Restores the terminal if the UI still owns it (safe to call more than once).
void restore_terminal() noexcept;

}  // namespace sc::client::tui
