// The terminal UI's conversations as a model: the one with the server, and one per other user
// (end to end, docs/PROTOCOL.md §10), each with its entries, its unread count, the user's
// presence, the warnings about it, and the delivery state of each message sent in it (per device
// copy: relayed, delivered, refused). Which conversation is open, and how far it is scrolled
// back. No ncurses in it, so it can be tested directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "client/chat_events.h"
#include "client/tui/conversation.h"

namespace sc::client::tui {

// One device copy of a message we sent, as the server and that device reported it.
struct DeviceCopy {
    std::string user;  // whose device (the recipient's, or ours for our other devices)
    std::string name;
    std::string status;  // "relayed", "unconfirmed", "stored", an error code, or ""
    bool delivered = false;
    std::uint64_t delivered_ts = 0;  // by that device's clock
    bool stored = false;             // the server's signed stored statement checked (note::Stored)
    std::uint64_t expires = 0;
    bool expired = false;  // its expiry passed undelivered (note::Expired)
};

// What happened to a message we sent to a user.
struct Delivery {
    bool sent = false;                          // the server took it (note::Sent)
    bool failed = false;                        // the send failed as a whole
    std::size_t copies = 0;                     // the device copies the server took
    std::map<std::string, DeviceCopy> devices;  // by device fingerprint
};

// An end-to-end message of a user conversation, ours or theirs.
struct MessageInfo {
    bool own = false;  // ours: sent from here, or our copy from another of our devices
    bool from_here = false;
    std::string from;  // the sender's username
    std::string device;
    std::string fingerprint;  // the sending device's, hex
    std::uint64_t seqno = 0;
    std::uint64_t ts = 0;
    std::string mid;
    std::optional<note::Protection> protection;  // once known (none for a send that failed)
    Delivery delivery;                           // from_here only
};

// The mark drawn after a message we sent: "…" sending, "→" taken by the server, "✓ relayed N"
// to N devices, "✓ stored S/N" when the server's signed statement says S are stored,
// "✓✓ delivered D/N" by D of them (the message is delivered when D = N), "✗" failed; copies
// refused are added ("✗ 1 quota_exceeded"), or "✗ not relayed: quota_exceeded" when none
// went; "⌛ E expired" for copies whose expiry passed undelivered.
std::string delivery_mark(const Delivery& d);

class ConversationList {
  public:
    // At most this many user conversations: past it, what belongs to a new user goes to the
    // server conversation as a notice, so a hostile server cannot grow the list without bound.
    static constexpr std::size_t kMaxConversations = 200;
    static constexpr std::size_t kMaxEntries = 2000;  // per user conversation

    ConversationList();

    // Our own username, to tell our copies from other devices apart; "" when logged out.
    void set_me(const std::string& me) { me_ = me; }

    // ---- which one is open ("" is the server's) ----
    const std::string& current() const { return order_[selected_]; }
    bool at_server() const { return selected_ == 0; }
    // Opens (creating it) the conversation with `user` ("" for the server's); false when it
    // cannot be created (the bound). Its unread count and warning flag are cleared.
    bool open(const std::string& user);
    // Makes the conversation with `user` if there is none, without opening it. False past
    // kMaxConversations.
    bool ensure(const std::string& user) { return make(user) != nullptr; }
    void next();
    void previous();
    // Scrolling back in the open conversation, in display rows.
    void scroll_back(std::size_t rows);
    void scroll_forward(std::size_t rows);
    std::size_t scrolled() const;

    // ---- what is in them ----
    Conversation& server() { return server_; }
    Conversation& conversation(const std::string& user);  // "" or unknown: the server's
    bool has(const std::string& user) const;
    std::size_t unread(const std::string& user) const;
    bool warned(const std::string& user) const;  // a warning not seen yet
    // A notice in the open conversation.
    void notice(std::uint64_t ts, std::string text);
    // A security warning in the conversation of its user (created if need be), with the
    // fingerprints; counted as unread and flagged until that conversation is opened.
    void warning(std::uint64_t now, const note::Warning& w);

    // ---- presence ----
    void friends(const note::Friends& list);  // every friend gets a conversation
    void presence(const note::Presence& p);
    void friend_added(const std::string& user);
    void clear_presence();  // logged out: nobody is known to be online
    std::optional<bool> online(const std::string& user) const;  // nullopt: not a friend

    // ---- messages between users ----
    // Ours to `user`, shown at once ("…"); the index to pass to send_failed.
    std::size_t add_own(const std::string& user, std::uint64_t ts, std::string text);
    // The session took the oldest pending one of n.to: numbered and marked. What was told of its
    // copies before (the controller tells note::Relayed per copy, then note::Sent) is applied.
    void sent(const note::Sent& n);
    void send_failed(const std::string& user, std::size_t index);
    // A message from a user (n.conversation set) goes to that user's conversation, one of the
    // server's to the server's; counted as unread unless its conversation is open.
    void received(const note::Message& n);
    // A copy's fate, by message id; kept (bounded) until note::Sent names the message, or its
    // send fails (then the copies told for that user's message are shown with the failure).
    void relayed(const note::Relayed& n);
    void delivered(const note::Delivered& n);
    void stored(const note::Stored& n);
    void expired(const note::Expired& n);
    // Earlier messages from this device's history (oldest first), for the conversation with
    // n.with: those not shown yet are added, with their marks. Marks it loaded.
    void history(const note::History& n);
    // Whether the conversation with `user` has had its history (so it is asked once).
    bool history_loaded(const std::string& user) const;

    // The messages of `user`'s conversation numbered `seqno` (ours and theirs may share one),
    // or the last message there when seqno is nullopt.
    std::vector<const MessageInfo*> find(const std::string& user,
                                         std::optional<std::uint64_t> seqno) const;

    // ---- drawing ----
    // One row at most `width` columns: every conversation, the open one in brackets, each user
    // with "●" online, "○" offline or "·" (not a friend), "(N)" unread and "!" for a warning
    // not seen; scrolled so the open one shows.
    std::string render_bar(std::size_t width) const;
    std::vector<std::string> render(std::size_t width, std::size_t height) const;

  private:
    struct UserConversation {
        Conversation entries{kMaxEntries};
        std::size_t unread = 0;
        bool warned = false;
        std::optional<bool> online;  // friends only
        std::size_t scroll = 0;
        std::map<std::size_t, MessageInfo> messages;  // by entry index
        std::map<std::string, std::size_t> by_mid;    // our sent ones, by mid
        std::deque<std::size_t> pending;              // ours, not numbered yet
        bool history_loaded = false;
    };

    UserConversation* find_user(const std::string& user);
    const UserConversation* find_user(const std::string& user) const;
    UserConversation* make(const std::string& user);  // nullptr past the bound
    void seen(UserConversation& c, const std::string& user);
    void forget_dropped(UserConversation& c);
    void refresh_mark(UserConversation& c, std::size_t index);
    MessageInfo* by_mid(const std::string& user, const std::string& mid, std::size_t* index,
                        UserConversation** owner);
    using CopyNote = std::variant<note::Relayed, note::Delivered, note::Stored, note::Expired>;
    void copy_note(const std::string& to, const std::string& mid, const CopyNote& n);
    static bool apply(MessageInfo& m, const CopyNote& n);  // false past the bound
    void claim_early(UserConversation& c, std::size_t index, const std::string& mid);
    static constexpr std::size_t kMaxEarly = 256;
    std::deque<std::pair<std::string, CopyNote>> early_;  // by mid, before their note::Sent

    std::string me_;
    Conversation server_;
    std::size_t server_unread_ = 0;
    std::size_t server_scroll_ = 0;
    std::vector<std::string> order_;  // [0] = "" (the server's), then users in order of creation
    std::size_t selected_ = 0;
    std::map<std::string, UserConversation> users_;  // by canonical username
};

}  // namespace sc::client::tui
