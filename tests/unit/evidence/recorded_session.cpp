#include "recorded_session.h"

#include <gtest/gtest.h>

#include "evidence/receipt_file.h"

namespace sc::evidence::test {

using namespace std::chrono_literals;
using proto::test::Pair;
using proto::test::Side;

RecordedSession record_session(const proto::test::TestPki& pki) {
    Pair pair(pki);
    return record_session(pair);
}

RecordedSession record_session(Pair& pair) {
    std::vector<SentMessage> sent;
    auto tick = [&] {
        // Distinct timestamps, still far inside the receivers' window.
        pair.client_clock.advance(1500ms);
        pair.server_clock.advance(1500ms);
    };
    auto client_says = [&](const std::string& text) {
        tick();
        auto before = pair.client_events.of<proto::event::MessageSent>().size();
        pair.deliver(pair.client->send_text(text), Side::client);
        auto after = pair.client_events.of<proto::event::MessageSent>();
        if (after.size() != before + 1) {
            ADD_FAILURE() << "client could not send '" << text << "'";
            return;
        }
        sent.push_back({proto::Direction::c2s, after.back().seqno, text, after.back().salt});
    };
    auto server_says = [&](const std::string& text) {
        tick();
        auto before = pair.server_events.of<proto::event::MessageSent>().size();
        pair.deliver(pair.server->send_text(text), Side::server);
        auto after = pair.server_events.of<proto::event::MessageSent>();
        if (after.size() != before + 1) {
            ADD_FAILURE() << "server could not send '" << text << "'";
            return;
        }
        sent.push_back({proto::Direction::s2c, after.back().seqno, text, after.back().salt});
    };

    pair.login_and_chat();
    client_says("hello server");
    server_says("hello alice");
    client_says("second | with a bar");
    pair.deliver(pair.client->rekey(), Side::client);
    if (!pair.client_events.has<proto::event::Rekeyed>()) {
        ADD_FAILURE() << "the rekey did not happen";
    }
    client_says("after the rekey");
    server_says("bye");
    client_says("ünïcødé ✓");
    tick();
    pair.deliver(pair.client->close(), Side::client);

    EXPECT_EQ(pair.client_events.failure(), "");
    EXPECT_EQ(pair.server_events.failure(), "");
    EXPECT_TRUE(pair.both_closed());
    auto done = pair.client_events.of<proto::event::HandshakeDone>();
    auto server_done = pair.server_events.of<proto::event::HandshakeDone>();
    auto rc = pair.client_events.of<proto::event::ReceiptsExchanged>();
    auto rs = pair.server_events.of<proto::event::ReceiptsExchanged>();
    if (done.size() != 1 || server_done.size() != 1 || rc.size() != 1 || rs.size() != 1) {
        ADD_FAILURE() << "the session did not complete";
        std::abort();
    }
    return RecordedSession{done.front().session_id,
                           server_done.front().peer,
                           done.front().peer,
                           pair.client_events.transcript(),
                           pair.server_events.transcript(),
                           rc.front().own,
                           rs.front().own,
                           std::move(sent),
                           pair.client_events.all,
                           pair.server_events.all};
}

std::string receipt_text(const RecordedSession& s, const proto::msg::Receipt& receipt,
                         const pki::Certificate& signer) {
    return receipt_file_text(receipt, s.session_id, signer);
}

}  // namespace sc::evidence::test
