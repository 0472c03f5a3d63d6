#include "client/tui/curses_screen.h"

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <ncursesw/curses.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <clocale>
#include <csignal>
#include <exception>

#include "client/tui/conversation.h"
#include "common/display_text.h"

namespace sc::client::tui {
namespace {

std::atomic<bool> g_active{false};
std::terminate_handler g_previous_terminate = nullptr;

// endwin() is not async-signal-safe, but the process is dying anyway, and leaving the user's
// terminal in raw mode without echo is the worse outcome.
void on_fatal_signal(int sig) {
    restore_terminal();
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

void install_crash_handlers() {
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT}) {
        struct sigaction sa {};
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = static_cast<int>(SA_RESETHAND);
        sigaction(sig, &sa, nullptr);
    }
    g_previous_terminate = std::set_terminate([] {
        restore_terminal();
        if (g_previous_terminate != nullptr) {
            g_previous_terminate();
        }
        std::abort();
    });
}

}  // namespace

void restore_terminal() noexcept {
    if (g_active.exchange(false)) {
        endwin();
    }
}

CursesScreen::CursesScreen() {
    std::setlocale(LC_ALL, "");
    install_crash_handlers();
    initscr();
    g_active = true;
    std::atexit([] { restore_terminal(); });
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    if (has_colors()) {
        start_color();
        use_default_colors();
        init_pair(1, COLOR_RED, -1);
    }
}

CursesScreen::~CursesScreen() {
    restore_terminal();
}

int CursesScreen::rows() const {
    return LINES;
}
int CursesScreen::cols() const {
    return COLS;
}

void CursesScreen::resize_to_terminal() {
    winsize ws{};
    // resizeterm queues a KEY_RESIZE, which comes back here: only resize on a real change.
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0 &&
        (ws.ws_row != LINES || ws.ws_col != COLS)) {
        resizeterm(ws.ws_row, ws.ws_col);
    }
    clear();
}

void CursesScreen::draw(const std::vector<std::string>& conversation, const std::string& status,
                        const std::string& prompt, const std::string& input,
                        std::size_t cursor_column) {
    erase();
    int height = LINES;
    int width = COLS;
    int pane = std::max(0, height - 2);
    int first = pane - static_cast<int>(conversation.size());
    for (std::size_t i = 0; i < conversation.size(); ++i) {
        int row = first + static_cast<int>(i);
        if (row < 0) {
            continue;
        }
        bool error = is_alert_row(conversation[i]);
        if (error && has_colors()) {
            attron(COLOR_PAIR(1));
        }
        // Every string drawn passes display_text here, the last step before ncurses: the
        // callers already render untrusted parts, so this only guards against a missed one (M1).
        mvaddnstr(row, 0, display_text(conversation[i]).c_str(), -1);
        if (error && has_colors()) {
            attroff(COLOR_PAIR(1));
        }
    }
    if (height >= 2) {
        attron(A_REVERSE);
        mvhline(height - 2, 0, ' ', width);
        mvaddnstr(height - 2, 0, display_text(status).c_str(), -1);
        attroff(A_REVERSE);
    }
    std::string line = display_text(prompt + input);
    mvaddnstr(height - 1, 0, line.c_str(), -1);
    int cursor = static_cast<int>(cursor_column);
    move(height - 1, std::min(cursor, std::max(0, width - 1)));
    refresh();
}

bool CursesScreen::read_key(KeyPress& press) {
    wint_t ch = 0;
    int rc = get_wch(&ch);
    if (rc == ERR) {
        return false;
    }
    using Kind = KeyPress::Kind;
    auto edit = [&](Key k) { press = KeyPress{Kind::edit, k, 0}; };
    press = KeyPress{};
    if (rc == KEY_CODE_YES) {
        switch (ch) {
            case KEY_LEFT:
                edit(Key::left);
                break;
            case KEY_RIGHT:
                edit(Key::right);
                break;
            case KEY_HOME:
                edit(Key::home);
                break;
            case KEY_END:
                edit(Key::end);
                break;
            case KEY_UP:
                edit(Key::up);
                break;
            case KEY_DOWN:
                edit(Key::down);
                break;
            case KEY_BACKSPACE:
                edit(Key::backspace);
                break;
            case KEY_DC:
                edit(Key::del);
                break;
            case KEY_ENTER:
                press.kind = Kind::submit;
                break;
            case KEY_RESIZE:
                press.kind = Kind::resize;
                break;
            case KEY_PPAGE:
                press.kind = Kind::page_up;
                break;
            case KEY_NPAGE:
                press.kind = Kind::page_down;
                break;
            default:
                break;
        }
        return true;
    }
    switch (ch) {
        case '\r':
        case '\n':
            press.kind = Kind::submit;
            break;
        case 127:
        case 8:
            edit(Key::backspace);
            break;
        case 1:
            edit(Key::home);
            break;  // Ctrl-A
        case 5:
            edit(Key::end);
            break;  // Ctrl-E
        case 11:
            edit(Key::kill_to_end);
            break;  // Ctrl-K
        case 21:
            edit(Key::kill_to_start);
            break;  // Ctrl-U
        case 23:
            edit(Key::kill_word);
            break;  // Ctrl-W
        case 4:
            press.kind = Kind::end_of_input;
            break;  // Ctrl-D
        case 14:
            press.kind = Kind::next_conversation;
            break;  // Ctrl-N
        case 16:
            press.kind = Kind::previous_conversation;
            break;  // Ctrl-P
        default:
            if (is_typeable(static_cast<char32_t>(ch))) {
                press = KeyPress{Kind::edit, Key::character, static_cast<char32_t>(ch)};
            }
    }
    return true;
}

}  // namespace sc::client::tui
