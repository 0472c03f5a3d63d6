#include "client/tui/input_line.h"

#include <algorithm>
#include <cstdint>

#include "common/display_text.h"
#include "crypto/secret.h"

namespace sc::client::tui {
namespace {

// Overwrites every character the buffer holds, including the stale tail past size() that
// erase() leaves behind, without reallocating (resize within the capacity zero-fills it).
void wipe_buffer(std::u32string& s) {
    s.resize(s.capacity());
    crypto::secure_wipe(s.data(), s.size() * sizeof(char32_t));
    s.clear();
}

}  // namespace

std::string to_utf8(const std::u32string& text) {
    std::string out;
    out.reserve(text.size() * 4);  // one allocation: no stale copies of a password left behind
    for (char32_t c : text) {
        auto v = static_cast<std::uint32_t>(c);
        if (v < 0x80) {
            out.push_back(static_cast<char>(v));
        } else if (v < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (v >> 6)));
            out.push_back(static_cast<char>(0x80 | (v & 0x3F)));
        } else if (v < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (v >> 12)));
            out.push_back(static_cast<char>(0x80 | ((v >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (v & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (v >> 18)));
            out.push_back(static_cast<char>(0x80 | ((v >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((v >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (v & 0x3F)));
        }
    }
    return out;
}

std::u32string from_utf8(const std::string& text) {
    std::u32string out;
    std::size_t i = 0;
    while (i < text.size()) {
        char32_t cp = 0;
        std::size_t len = decode_utf8(text, i, cp);
        if (len == 0) {
            // Not UTF-8 (an overlong C1 such as C0 9B included): shown, never dropped silently
            // and never decoded into a control (L14).
            out.push_back(U'?');
            ++i;
            continue;
        }
        out.push_back(cp);
        i += len;
    }
    return out;
}

bool is_typeable(char32_t ch) {
    auto v = static_cast<std::uint32_t>(ch);
    return v <= 0x10FFFF && !(v >= 0xD800 && v <= 0xDFFF) && !is_control_code_point(ch);
}

std::optional<std::string> InputLine::apply(Key key, char32_t ch) {
    switch (key) {
        case Key::character:
            if (is_typeable(ch)) {
                if (text_.size() == text_.capacity()) {
                    grow();
                }
                text_.insert(cursor_++, 1, ch);
            }
            break;
        case Key::enter: {
            std::string submitted = to_utf8(text_);
            if (!hidden_ && !text_.empty() && (history_.empty() || history_.back() != text_)) {
                history_.push_back(text_);
            }
            wipe();
            history_pos_ = history_.size();
            draft_.clear();
            return submitted;
        }
        case Key::backspace:
            if (cursor_ > 0) {
                text_.erase(--cursor_, 1);
            }
            break;
        case Key::del:
            if (cursor_ < text_.size()) {
                text_.erase(cursor_, 1);
            }
            break;
        case Key::left:
            cursor_ = cursor_ > 0 ? cursor_ - 1 : 0;
            break;
        case Key::right:
            cursor_ = std::min(cursor_ + 1, text_.size());
            break;
        case Key::home:
            cursor_ = 0;
            break;
        case Key::end:
            cursor_ = text_.size();
            break;
        case Key::up:
            if (!hidden_ && history_pos_ > 0) {
                if (history_pos_ == history_.size()) {
                    draft_ = text_;
                }
                load_history(history_pos_ - 1);
            }
            break;
        case Key::down:
            if (!hidden_ && history_pos_ < history_.size()) {
                if (history_pos_ + 1 == history_.size()) {
                    history_pos_ = history_.size();
                    text_ = draft_;
                    cursor_ = text_.size();
                } else {
                    load_history(history_pos_ + 1);
                }
            }
            break;
        case Key::kill_to_end:
            text_.erase(cursor_);
            break;
        case Key::kill_to_start:
            text_.erase(0, cursor_);
            cursor_ = 0;
            break;
        case Key::kill_word: {
            std::size_t start = cursor_;
            while (start > 0 && text_[start - 1] == U' ') {
                --start;
            }
            while (start > 0 && text_[start - 1] != U' ') {
                --start;
            }
            text_.erase(start, cursor_ - start);
            cursor_ = start;
            break;
        }
        case Key::other:
            break;
    }
    return std::nullopt;
}

void InputLine::load_history(std::size_t index) {
    history_pos_ = index;
    text_ = history_[index];
    cursor_ = text_.size();
}

std::string InputLine::display() const {
    return hidden_ ? std::string(text_.size(), '*') : to_utf8(text_);
}

void InputLine::clear() {
    text_.clear();
    cursor_ = 0;
}

void InputLine::wipe() {
    wipe_buffer(text_);
    clear();
}

void InputLine::forget_last_history() {
    if (!history_.empty()) {
        wipe_buffer(history_.back());
        history_.pop_back();
    }
    history_pos_ = history_.size();
}

// The string's own growth would free the old buffer with the text still in it (I3).
void InputLine::grow() {
    std::u32string bigger;
    bigger.reserve(std::max<std::size_t>(64, text_.capacity() * 2));
    bigger.assign(text_);
    wipe_buffer(text_);
    text_.swap(bigger);
}

}  // namespace sc::client::tui
