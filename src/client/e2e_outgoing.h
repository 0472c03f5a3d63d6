// One /msg in progress, private to e2e_send.cpp and e2e_stored.cpp.
#pragma once

#include "client/e2e_messaging.h"

namespace sc::client {

struct E2eMessaging::Outgoing {
    using DeviceList = proto::msg::DeviceList;
    std::uint64_t command = 0;
    std::string to;  // canonical
    e2e::OutgoingMessage message;
    std::string mid_hex;
    std::optional<DeviceList> theirs, ours;
    bool known_theirs = false, known_ours = false;
    struct Copy {
        CopyTarget target;
        std::string name;  // the certificate's, once verified
        std::optional<e2e::SealedEnvelope> sealed;
        bool done = false;
    };
    std::vector<Copy> copies;
    std::size_t prepared = 0, answered = 0, sent = 0, relayed = 0, relayed_to_recipient = 0;
    std::string first_recipient_status;
    note::Protection protection;
};

}  // namespace sc::client
