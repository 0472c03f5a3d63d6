#include "client/tui/friend_pane.h"

#include <algorithm>

#include "client/tui/input_line.h"
#include "common/display_text.h"
#include "proto/limits.h"

namespace sc::client::tui {
namespace {

// Friends and both kinds of pending requests, as the server bounds them: a hostile server's
// pushes cannot grow the pane past that.
constexpr std::size_t kMaxRows =
    proto::kMaxFriends + proto::kMaxIncomingRequests + proto::kMaxOutgoingRequests;

std::string cut(const std::string& text, std::size_t width) {
    auto wide = from_utf8(text);
    if (wide.size() > width) {
        wide.resize(width);
    }
    return to_utf8(wide);
}

int order(const FriendPane::Row& row) {
    switch (row.kind) {
        case FriendPane::Kind::incoming:
            return 0;
        case FriendPane::Kind::friend_:
            return row.online ? 1 : 2;
        case FriendPane::Kind::outgoing:
            return 3;
    }
    return 3;
}

}  // namespace

FriendPane::Row* FriendPane::find(const std::string& user) {
    auto it =
        std::find_if(rows_.begin(), rows_.end(), [&](const Row& r) { return r.user == user; });
    return it == rows_.end() ? nullptr : &*it;
}

void FriendPane::put(Row row) {
    if (auto* existing = find(row.user)) {
        *existing = std::move(row);
    } else if (rows_.size() < kMaxRows) {
        rows_.push_back(std::move(row));
    }
}

void FriendPane::set(const note::Friends& list) {
    rows_.clear();
    loaded_ = true;
    for (const auto& f : list.friends) {
        put({f.user, Kind::friend_, f.online});
    }
    for (const auto& user : list.incoming) {
        put({user, Kind::incoming, false});
    }
    for (const auto& user : list.outgoing) {
        put({user, Kind::outgoing, false});
    }
}

void FriendPane::presence(const note::Presence& change) {
    // Presence is pushed for friends only; for anyone else it is a hint we have no row for.
    if (auto* row = find(change.user); row != nullptr && row->kind == Kind::friend_) {
        row->online = change.online;
    }
}

void FriendPane::requested(const note::FriendRequest& request) {
    if (auto* row = find(request.from); row != nullptr && row->kind == Kind::friend_) {
        return;
    }
    put({request.from, Kind::incoming, false});
}

void FriendPane::added(const note::FriendAdded& added) {
    auto* row = find(added.user);
    put({added.user, Kind::friend_, row != nullptr && row->online});
}

void FriendPane::removed(const note::FriendRemoved& removed) {
    std::erase_if(rows_, [&](const Row& r) { return r.user == removed.user; });
}

void FriendPane::clear() {
    rows_.clear();
    loaded_ = false;
}

std::vector<std::string> FriendPane::render(std::size_t width, std::size_t height) const {
    std::vector<std::string> out;
    if (width < 4 || height == 0) {
        return out;
    }
    std::vector<const Row*> sorted;
    for (const auto& row : rows_) {
        sorted.push_back(&row);
    }
    std::stable_sort(sorted.begin(), sorted.end(), [](const Row* a, const Row* b) {
        return order(*a) != order(*b) ? order(*a) < order(*b) : a->user < b->user;
    });
    auto online = std::count_if(rows_.begin(), rows_.end(),
                                [](const Row& r) { return r.kind == Kind::friend_ && r.online; });
    out.push_back(cut(
        loaded_ ? "friends (" + std::to_string(online) + " online)" : "friends: /friends", width));
    for (const Row* row : sorted) {
        if (out.size() == height) {
            break;
        }
        std::string mark = row->kind == Kind::incoming   ? "? "
                           : row->kind == Kind::outgoing ? "… "
                           : row->online                 ? "● "
                                                         : "○ ";
        std::string suffix = row->kind == Kind::incoming ? " asks" : "";
        out.push_back(cut(mark + display_text(row->user) + suffix, width));
    }
    return out;
}

std::vector<std::string> side_by_side(const std::vector<std::string>& left, std::size_t left_width,
                                      const std::vector<std::string>& right, std::size_t height) {
    std::vector<std::string> out;
    out.reserve(height);
    // The conversation's rows are its last ones, aligned to the bottom as it draws them.
    std::size_t left_start = left.size() < height ? height - left.size() : 0;
    std::size_t left_skip = left.size() > height ? left.size() - height : 0;
    for (std::size_t i = 0; i < height; ++i) {
        std::string row;
        if (i >= left_start) {
            row = cut(left[left_skip + i - left_start], left_width);
        }
        std::size_t used = from_utf8(row).size();
        row.append(left_width > used ? left_width - used : 0, ' ');
        row += "│";
        if (i < right.size()) {
            row += right[i];
        }
        out.push_back(std::move(row));
    }
    return out;
}

}  // namespace sc::client::tui
