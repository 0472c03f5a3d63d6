#include "client/chat_events.h"

namespace sc::client {

const char* notification_name(const Notification& n) {
    struct Names {
        const char* operator()(const note::Connected&) const { return "connected"; }
        const char* operator()(const note::Registered&) const { return "registered"; }
        const char* operator()(const note::LoggedIn&) const { return "logged_in"; }
        const char* operator()(const note::Sent&) const { return "sent"; }
        const char* operator()(const note::Acked&) const { return "ack"; }
        const char* operator()(const note::Rekeyed&) const { return "rekeyed"; }
        const char* operator()(const note::Message&) const { return "message"; }
        const char* operator()(const note::ReceiptSaved&) const { return "receipt_saved"; }
        const char* operator()(const note::Error&) const { return "error"; }
        const char* operator()(const note::Closed&) const { return "closed"; }
        const char* operator()(const note::Done&) const { return "done"; }
        const char* operator()(const note::FriendRequest&) const { return "friend_request"; }
        const char* operator()(const note::FriendAdded&) const { return "friend_added"; }
        const char* operator()(const note::FriendRemoved&) const { return "friend_removed"; }
        const char* operator()(const note::Friends&) const { return "friends"; }
        const char* operator()(const note::Presence&) const { return "presence"; }
        const char* operator()(const note::Who&) const { return "who"; }
        const char* operator()(const note::Kicked&) const { return "kicked"; }
        const char* operator()(const note::Relayed&) const { return "relayed"; }
        const char* operator()(const note::Delivered&) const { return "delivered"; }
        const char* operator()(const note::Stored&) const { return "stored"; }
        const char* operator()(const note::Expired&) const { return "expired"; }
        const char* operator()(const note::History&) const { return "history"; }
        const char* operator()(const note::Warning&) const { return "warning"; }
        const char* operator()(const note::Devices&) const { return "devices"; }
    };
    return std::visit(Names{}, n);
}

}  // namespace sc::client
