// The friend pane as a model: friends with their presence and the requests waiting either way,
// kept current by the answers to /friends and the server's pushes, rendered into rows for a
// narrow side pane. No ncurses in it, so it can be tested directly.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "client/chat_events.h"

namespace sc::client::tui {

class FriendPane {
  public:
    enum class Kind { friend_, incoming, outgoing };
    struct Row {
        std::string user;
        Kind kind = Kind::friend_;
        bool online = false;
    };

    // The whole list (the answer to /friends) replaces what the pane knew.
    void set(const note::Friends& list);
    void presence(const note::Presence& change);
    void requested(const note::FriendRequest& request);
    void added(const note::FriendAdded& added);
    void removed(const note::FriendRemoved& removed);
    void clear();  // logged out

    const std::vector<Row>& rows() const { return rows_; }
    bool loaded() const { return loaded_; }
    // `height` rows at most, each at most `width` columns: a title, then incoming requests
    // (marked "?"), friends online ("●") and offline ("○"), then our requests ("…"). Every name
    // rendered by display_text.
    std::vector<std::string> render(std::size_t width, std::size_t height) const;

  private:
    Row* find(const std::string& user);
    void put(Row row);  // replaces the row of the same user, else adds it (bounded)

    std::vector<Row> rows_;
    bool loaded_ = false;
};

// The conversation rows on the left, `left_width` columns each (padded), a "│", and the pane's
// rows on the right: `height` rows in all.
std::vector<std::string> side_by_side(const std::vector<std::string>& left, std::size_t left_width,
                                      const std::vector<std::string>& right, std::size_t height);

}  // namespace sc::client::tui
