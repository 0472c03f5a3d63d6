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
    };
    return std::visit(Names{}, n);
}

}  // namespace sc::client
