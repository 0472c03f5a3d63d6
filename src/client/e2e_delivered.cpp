// The delivered statements this device owes senders (issue 12 item 5): each is kept in the
// history in the transaction that keeps its message, relayed after the `received`, and
// forgotten only once the server has stored it for the sender's device. A crash, a lost
// connection or a temporary refusal in between leaves it kept, and the next login sends it
// again; a sender that gets one twice marks the copy once.
#include "client/e2e_messaging.h"
#include "client/errors_text.h"

namespace sc::client {

namespace msg = proto::msg;

namespace {
// Owed statements sent at once at login, so that a long backlog leaves room for the rest.
constexpr std::size_t kOwedInFlight = 16;
}  // namespace

void E2eMessaging::send_delivered(const PendingDelivered& statement, std::function<void()> then) {
    auto mid = from_hex(statement.mid);
    if (!mid || mid->size() != kMessageIdBytes) {
        (void)history_.forget_delivered(statement.mid, statement.fp);  // not ours to send
        if (then) {
            then();
        }
        return;
    }
    // The statement travels under the message's id (the relay's mid names the message it is
    // about). Stored means the sender's device will get it; anything else is tried again.
    ask(msg::Relay{.to = statement.to_user,
                   .device = statement.fp,
                   .mid = std::move(mid).value(),
                   .body = statement.body},
        [this, mid_hex = statement.mid, fp = statement.fp,
         then = std::move(then)](const msg::Answer& answer) {
            const auto* result = std::get_if<msg::Result>(&answer);
            if (std::holds_alternative<msg::Stored>(answer) || (result && !result->code)) {
                if (auto forgot = history_.forget_delivered(mid_hex, fp); !forgot) {
                    host_.notify(note::Error{code::evidence, forgot.error().message});
                }
            }
            if (then) {
                then();
            }
        });
}

void E2eMessaging::resend_owed_delivered() {
    const auto now = now_ms();
    if (now > proto::kE2eMaxAgeMs) {
        // Older than any message a device still accepts: nobody waits for it any more.
        (void)history_.drop_pending_before(now - proto::kE2eMaxAgeMs);
    }
    auto owed = history_.pending_delivered(kMaxPendingDelivered);
    if (!owed) {
        host_.notify(note::Error{code::evidence, owed.error().message});
        return;
    }
    owed_.assign(owed->begin(), owed->end());
    send_owed();
}

void E2eMessaging::send_owed() {
    while (owed_in_flight_ < kOwedInFlight && !owed_.empty()) {
        auto next = std::move(owed_.front());
        owed_.pop_front();
        ++owed_in_flight_;
        send_delivered(next, [this] {
            --owed_in_flight_;
            send_owed();
        });
    }
}

}  // namespace sc::client
