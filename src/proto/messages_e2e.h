// The codec of the end-to-end messages (docs/PROTOCOL.md §2.4), beside messages_users.cpp's:
// prekeys, devices, bundles, the relay of opaque envelopes, and what keeps them (issue 12).
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>
#include <type_traits>
#include <vector>

#include "proto/messages.h"
#include "proto/wire/json_reader.h"

namespace sc::proto::msg::e2e_codec {

#define SC_E2E_CODEC(T)                                               \
    ProtoResult<T> decode_body(JsonReader& r, std::type_identity<T>); \
    nlohmann::json encode_body(const T& m);
SC_E2E_CODEC(PublishPrekeys)
SC_E2E_CODEC(PrekeyStatus)
SC_E2E_CODEC(ListDevices)
SC_E2E_CODEC(DeviceList)
SC_E2E_CODEC(FetchBundle)
SC_E2E_CODEC(KeyBundle)
SC_E2E_CODEC(Relay)
SC_E2E_CODEC(Envelope)
SC_E2E_CODEC(Stored)
SC_E2E_CODEC(Received)
#undef SC_E2E_CODEC

// The words of these messages that are not a kType or a field of a message: the item fields.
void add_e2e_vocabulary(std::vector<std::string_view>& out);

// True for 64 lowercase hex digits: a device id (a certificate's SHA-256).
bool is_device_id(std::string_view text);

}  // namespace sc::proto::msg::e2e_codec
