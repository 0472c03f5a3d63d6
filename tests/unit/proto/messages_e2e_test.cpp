// The end-to-end messages (§2.4) on the wire: each encodes canonically (the vectors of
// tests/vectors/e2e_messages_v1.json, re-derived by tools/check_vectors.py), decodes back to
// itself, fits one record at its bounds, and anything off the spec is `malformed`. The samples
// are built from the bytes of tests/vectors/e2e_v1.json (keys, signatures, an envelope) and bob's
// vector certificate, so the two vector files describe one conversation.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "common/base64.h"
#include "common/bytes.h"
#include "common/files.h"
#include "harness.h"
#include "pki/certificate.h"
#include "proto/limits.h"
#include "proto/messages.h"

namespace sc::proto {
namespace {

using nlohmann::json;

const std::string kDir = SECURECHAT_VECTORS_DIR;

std::string text_of(const msg::Inner& m) {
    auto bytes = msg::encode(m);
    return std::string(bytes.reveal_text(crypto::SecretAccess{}));
}

std::string code_of(std::string_view payload) {
    auto decoded = msg::decode_inner(payload);
    return decoded ? "ok" : std::string(error_code_name(decoded.error().code));
}

void expect_round_trip(const msg::Inner& m) {
    auto text = text_of(m);
    auto decoded = msg::decode_inner(text);
    ASSERT_TRUE(decoded) << text.substr(0, 200) << ": " << (decoded ? "" : decoded.error().text());
    EXPECT_EQ(text_of(*decoded), text) << "decode(encode(m)) encodes the same bytes";
}

json load(const std::string& name) {
    auto file = read_file(kDir + "/" + name);
    EXPECT_TRUE(file) << name;
    return file ? json::parse(*file) : json::object();
}

Bytes hex(const json& value) {
    auto bytes = from_hex(value.get<std::string>());
    EXPECT_TRUE(bytes);
    return bytes.value_or(Bytes{});
}

// One of each message, from the conversation of e2e_v1.json.
std::vector<std::pair<std::string, msg::Inner>> samples() {
    auto e2e = load("e2e_v1.json");
    const auto& in = e2e["inputs"];
    const auto& v = e2e["values"];
    const std::string fp_alice = v["fingerprints"]["alice"], fp_bob = v["fingerprints"]["bob"];
    auto pem = read_file(kDir + "/vector-bob.crt");
    EXPECT_TRUE(pem);
    auto cert = pki::Certificate::from_pem(pem ? *pem : std::string());
    EXPECT_TRUE(cert);
    const Bytes der = cert ? cert->to_der() : Bytes{};
    const auto& spk = in["bob_spk"];
    const auto& otk = in["bob_otk"];
    const auto& a1 = in["messages"][0];
    const Bytes mid = hex(a1["mid"]), body = hex(v["messages"][0]["envelope"]);
    const std::uint64_t spk_id = spk["key_id"], spk_ts = spk["ts"], otk_id = otk["key_id"],
                        otk_ts = otk["ts"];
    // §10.6: the server's statement on a1's copy for bob's phone, in e2e_v1.json.
    const std::uint64_t held = in["stored"]["held"], stored_ts = in["stored"]["ts"],
                        expires = in["stored"]["expires"];

    msg::PublishPrekeys prekeys{
        1,
        spk_id,
        hex(v["bob_spk"]["public"]),
        spk_ts,
        hex(v["bob_spk"]["sig"]),
        {{otk_id, hex(v["bob_otk"]["public"]), otk_ts, hex(v["bob_otk"]["sig"])}}};
    msg::KeyBundle bundle{4,      "bob",
                          fp_bob, der,
                          spk_id, hex(v["bob_spk"]["public"]),
                          spk_ts, hex(v["bob_spk"]["sig"]),
                          otk_id, hex(v["bob_otk"]["public"]),
                          otk_ts, hex(v["bob_otk"]["sig"])};
    msg::KeyBundle no_otk = bundle;
    no_otk.id = 5;
    no_otk.otk_id = 0;
    no_otk.otk = {};
    no_otk.otk_ts = 0;
    no_otk.otk_sig = {};
    return {
        {"prekeys", std::move(prekeys)},
        {"prekeys_status_query", msg::PublishPrekeys{2, 0, {}, 0, {}, {}}},
        {"prekey_status", msg::PrekeyStatus{1, spk_id, spk_ts, 1}},
        {"devices", msg::ListDevices{3, "bob"}},
        {"device_list", msg::DeviceList{3, "bob", {msg::DeviceEntry{fp_bob, "phone"}}}},
        {"bundle", msg::FetchBundle{4, "bob", fp_bob}},
        {"key_bundle", std::move(bundle)},
        {"key_bundle_no_otk", std::move(no_otk)},
        {"send", msg::Relay{6, "bob", fp_bob, mid, body}},
        {"envelope", msg::Envelope{"alice", fp_alice, mid, held, stored_ts, body}},
        {"stored", msg::Stored{6, held, stored_ts, expires, hex(v["stored"]["sig"])}},
        {"received", msg::Received{7, {held}}},
    };
}

TEST(E2eMessages, EachEncodesAsTheVectorsSayAndDecodesToItself) {
    auto vectors = load("e2e_messages_v1.json")["messages"];
    auto all = samples();
    for (auto& [name, message] : all) {
        SCOPED_TRACE(name);
        ASSERT_TRUE(vectors.contains(name));
        EXPECT_EQ(text_of(message), vectors[name]["payload"].get<std::string>());
        EXPECT_EQ(code_of(vectors[name]["payload"].get<std::string>()), "ok");
        expect_round_trip(message);
    }
    EXPECT_EQ(vectors.size(), all.size()) << "one vector per sample, no stale ones";
}

TEST(E2eMessages, TheLargestFitOneRecord) {
    const std::string longest_name(kMaxUsernameBytes, 'u');
    const std::string device(kHexDigestChars, 'f');
    const std::uint64_t big = ~std::uint64_t{0};
    const Bytes key(kPrekeyBytes, 0x55), sig(kMaxSigBytes, 0x66);

    msg::PublishPrekeys prekeys{big, big, key, big, sig, {}};
    for (std::size_t i = 0; i < kMaxOneTimePrekeysPerPublish; ++i) {
        prekeys.one_time.push_back({big - i, key, big, sig});
    }
    msg::DeviceList list{big, longest_name, {}};
    for (std::size_t i = 0; i < kMaxDevicesPerUser; ++i) {
        auto id = device;
        id[0] = "0123456789abcdef"[i];
        list.devices.push_back({id, std::string(kMaxDeviceNameBytes, 'n')});
    }
    msg::KeyBundle bundle{big, longest_name, device, Bytes(kMaxCertBytes, 0x30),
                          big, key,          big,    sig,
                          big, key,          big,    sig};
    const Bytes mid(kMessageIdBytes, 0x77), body(kMaxEnvelopeBytes, 0x88);
    msg::Relay relay{big, std::string(kMaxCredentialBytes, 't'), device, mid, body};
    msg::Envelope envelope{longest_name, device, mid, big, big, body};
    msg::PrekeyStatus status{big, big, big, kMaxOneTimePrekeys};
    msg::Stored stored{big, big, big - 1, big, sig};  // expires after ts
    msg::Received received{big, std::vector<std::uint64_t>(kMaxReceivedPerRequest, big)};
    for (std::size_t i = 0; i < received.held.size(); ++i) {
        received.held[i] = big - i;
    }
    msg::ListDevices devices{big, std::string(kMaxCredentialBytes, 'u')};
    msg::FetchBundle fetch{big, std::string(kMaxCredentialBytes, 'u'), device};

    for (const msg::Inner& m : std::vector<msg::Inner>{prekeys, list, bundle, relay, envelope,
                                                       status, devices, fetch, stored, received}) {
        SCOPED_TRACE(msg::type_name(m));
        auto sealed = msg::encode_for_record(m);
        ASSERT_TRUE(sealed) << "within kMaxInnerPayload (" << kMaxInnerPayload << " bytes)";
        EXPECT_LE(sealed->size(), kMaxInnerPayload);
        expect_round_trip(m);
    }
    static_assert(kMaxEnvelopeBytes == 28672, "§2.4 names the bound");
}

// The vector of `name`, changed by `edit`, decoded: "ok" or the error code.
template <class Edit>
std::string edited(const std::string& name, Edit edit) {
    static const json vectors = load("e2e_messages_v1.json")["messages"];
    json m = json::parse(vectors[name]["payload"].get<std::string>());
    edit(m);
    return code_of(m.dump());
}

std::string b64(std::size_t n) {
    return base64_encode(Bytes(n, 0x42));
}

TEST(E2eMessages, ADeviceIdIs64LowercaseHexDigits) {
    auto upper = [](json& m, const char* key) {
        std::string id = m[key];
        for (auto& c : id) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        m[key] = id;
    };
    for (const char* name : {"bundle", "key_bundle", "send", "envelope"}) {
        SCOPED_TRACE(name);
        EXPECT_EQ(edited(name, [&](json& m) { upper(m, "device"); }), "malformed");
        EXPECT_EQ(edited(name, [](json& m) { m["device"] = std::string(63, 'a'); }), "malformed");
        EXPECT_EQ(edited(name, [](json& m) { m["device"] = std::string(65, 'a'); }), "malformed");
        EXPECT_EQ(edited(name, [](json& m) { m["device"] = std::string(63, 'a') + "g"; }),
                  "malformed");
        EXPECT_EQ(edited(name, [](json& m) { m["device"] = std::string(64, 'a'); }), "ok");
    }
    EXPECT_EQ(edited("device_list", [](json& m) { m["devices"][0]["device"] = "D36E"; }),
              "malformed");
}

TEST(E2eMessages, MidIs16BytesAndBodyIsBounded) {
    for (const char* name : {"send", "envelope"}) {
        SCOPED_TRACE(name);
        EXPECT_EQ(edited(name, [](json& m) { m["mid"] = b64(15); }), "malformed");
        EXPECT_EQ(edited(name, [](json& m) { m["mid"] = b64(17); }), "malformed");
        EXPECT_EQ(edited(name, [](json& m) { m["mid"] = ""; }), "malformed");
        EXPECT_EQ(edited(name, [](json& m) { m["body"] = ""; }), "malformed");
        EXPECT_EQ(edited(name, [](json& m) { m["body"] = b64(1); }), "ok");
        EXPECT_EQ(edited(name, [](json& m) { m["body"] = b64(kMaxEnvelopeBytes); }), "ok");
        EXPECT_EQ(edited(name, [](json& m) { m["body"] = b64(kMaxEnvelopeBytes + 1); }),
                  "malformed");
        EXPECT_EQ(edited(name, [](json& m) { m["body"] = "AQ=\n="; }), "bad_base64");
    }
}

TEST(E2eMessages, NoSignedPrekeyMeansNoKeyTimeOrSignature) {
    EXPECT_EQ(code_of(R"({"id":2,"one_time":[],"spk":"","spk_id":0,"spk_sig":"","spk_ts":0,)"
                      R"("type":"prekeys"})"),
              "ok");
    auto none = [](json& m) {
        m["spk_id"] = 0;
        m["spk"] = "";
        m["spk_ts"] = 0;
        m["spk_sig"] = "";
    };
    EXPECT_EQ(edited("prekeys", none), "ok") << "one-time prekeys without a new signed prekey";
    EXPECT_EQ(edited("prekeys",
                     [&](json& m) {
                         none(m);
                         m["spk"] = b64(32);
                     }),
              "malformed")
        << "spk_id 0 with a key";
    EXPECT_EQ(edited("prekeys",
                     [&](json& m) {
                         none(m);
                         m["spk_sig"] = b64(64);
                     }),
              "malformed");
    EXPECT_EQ(edited("prekeys",
                     [&](json& m) {
                         none(m);
                         m["spk_ts"] = 5;
                     }),
              "malformed");
    EXPECT_EQ(edited("prekeys", [](json& m) { m["spk_sig"] = ""; }), "malformed")
        << "a signed prekey without its signature";
    EXPECT_EQ(edited("prekeys", [](json& m) { m["spk"] = b64(31); }), "malformed");
    EXPECT_EQ(edited("prekeys", [](json& m) { m["spk_sig"] = b64(kMaxSigBytes + 1); }),
              "malformed");
    EXPECT_EQ(edited("key_bundle", [&](json& m) { none(m); }), "malformed")
        << "a bundle always has a signed prekey";
}

TEST(E2eMessages, NoOneTimePrekeyMeansEmptyFields) {
    EXPECT_EQ(edited("key_bundle_no_otk", [](json& m) { m["otk"] = b64(32); }), "malformed");
    EXPECT_EQ(edited("key_bundle_no_otk", [](json& m) { m["otk_sig"] = b64(64); }), "malformed");
    EXPECT_EQ(edited("key_bundle_no_otk", [](json& m) { m["otk_ts"] = 1; }), "malformed");
    EXPECT_EQ(edited("key_bundle", [](json& m) { m["otk_sig"] = ""; }), "malformed");
    EXPECT_EQ(edited("key_bundle", [](json& m) { m["otk"] = b64(33); }), "malformed");
    EXPECT_EQ(edited("key_bundle", [](json& m) { m["cert"] = ""; }), "malformed");
    EXPECT_EQ(edited("key_bundle", [](json& m) { m["cert"] = b64(kMaxCertBytes + 1); }),
              "malformed");
}

TEST(E2eMessages, OneTimePrekeysAreBoundedWithDistinctNonZeroIds) {
    EXPECT_EQ(edited("prekeys", [](json& m) { m["one_time"].push_back(m["one_time"][0]); }),
              "malformed")
        << "the same key_id twice";
    EXPECT_EQ(edited("prekeys",
                     [](json& m) {
                         auto second = m["one_time"][0];
                         second["key_id"] = 43;
                         m["one_time"].push_back(second);
                     }),
              "ok");
    EXPECT_EQ(edited("prekeys", [](json& m) { m["one_time"][0]["key_id"] = 0; }), "malformed");
    EXPECT_EQ(edited("prekeys", [](json& m) { m["one_time"][0]["key"] = ""; }), "malformed");
    EXPECT_EQ(edited("prekeys", [](json& m) { m["one_time"][0]["sig"] = ""; }), "malformed");
    EXPECT_EQ(edited("prekeys", [](json& m) { m["one_time"][0]["type"] = "prekeys"; }), "malformed")
        << "an item has exactly its fields";
    EXPECT_EQ(edited("prekeys", [](json& m) { m["one_time"][0] = 42; }), "malformed");
    auto keys = [](std::size_t n) {
        return [n](json& m) {
            auto item = m["one_time"][0];
            m["one_time"] = json::array();
            for (std::size_t i = 1; i <= n; ++i) {
                item["key_id"] = i;
                m["one_time"].push_back(item);
            }
        };
    };
    EXPECT_EQ(edited("prekeys", keys(kMaxOneTimePrekeysPerPublish)), "ok");
    EXPECT_EQ(edited("prekeys", keys(kMaxOneTimePrekeysPerPublish + 1)), "malformed")
        << "over kMaxOneTimePrekeysPerPublish";
}

TEST(E2eMessages, ADeviceListNamesEachDeviceOnceAndIsBounded) {
    EXPECT_EQ(edited("device_list", [](json& m) { m["devices"].push_back(m["devices"][0]); }),
              "malformed")
        << "the same device twice";
    EXPECT_EQ(edited("device_list", [](json& m) { m["devices"] = json::array(); }), "ok");
    auto devices = [](std::size_t n) {
        return [n](json& m) {
            auto item = m["devices"][0];
            m["devices"] = json::array();
            for (std::size_t i = 0; i < n; ++i) {
                item["device"] = std::string(62, 'a') + to_hex(Bytes{std::uint8_t(i)});
                m["devices"].push_back(item);
            }
        };
    };
    EXPECT_EQ(edited("device_list", devices(kMaxDevicesPerUser)), "ok");
    EXPECT_EQ(edited("device_list", devices(kMaxDevicesPerUser + 1)), "malformed")
        << "over kMaxDevicesPerUser";
    EXPECT_EQ(edited("device_list",
                     [](json& m) {
                         m["devices"][0]["name"] = std::string(kMaxDeviceNameBytes + 1, 'n');
                     }),
              "malformed");
    EXPECT_EQ(edited("device_list", [](json& m) { m["devices"][0]["extra"] = 1; }), "malformed");
}

// A hostile server cannot put a fake command or a non-name where the client shows a user.
TEST(E2eMessages, WhatTheServerSaysNamesUsers) {
    for (const char* bad : {"x: /trust m", "1eve", "ab", "\u001b[2J"}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(edited("device_list", [&](json& m) { m["user"] = bad; }), "malformed");
        EXPECT_EQ(edited("key_bundle", [&](json& m) { m["user"] = bad; }), "malformed");
        EXPECT_EQ(edited("envelope", [&](json& m) { m["from"] = bad; }), "malformed");
        // A request may name anything: the server answers it (no_such_user, invalid_request).
        EXPECT_EQ(edited("devices", [&](json& m) { m["user"] = bad; }), "ok");
        EXPECT_EQ(edited("bundle", [&](json& m) { m["user"] = bad; }), "ok");
        EXPECT_EQ(edited("send", [&](json& m) { m["to"] = bad; }), "ok");
    }
    EXPECT_EQ(edited("send", [](json& m) { m["to"] = std::string(kMaxCredentialBytes + 1, 't'); }),
              "malformed");
}

TEST(E2eMessages, AMissingOrExtraFieldIsMalformed) {
    for (const char* name : {"prekeys", "prekey_status", "devices", "device_list", "bundle",
                             "key_bundle", "send", "envelope", "stored", "received"}) {
        SCOPED_TRACE(name);
        EXPECT_EQ(edited(name, [](json& m) { m["extra"] = 1; }), "malformed");
        EXPECT_EQ(edited(name,
                         [](json& m) {
                             for (auto it = m.begin(); it != m.end(); ++it) {
                                 if (it.key() != "type") {
                                     m.erase(it);
                                     break;
                                 }
                             }
                         }),
                  "malformed");
    }
    EXPECT_EQ(edited("envelope", [](json& m) { m["id"] = 1; }), "malformed") << "a push has no id";
}

// §2.3's answer matching covers the end-to-end answers: each answers only its own request.
TEST(E2eMessages, TheClientRefusesAKeyBundleAnsweringADevicesRequest) {
    test::TestPki pki;
    test::Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->request(msg::ListDevices{0, "bob"}), test::Side::client);
    auto sent = pair.client_events.of<event::RequestSent>();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].type, "devices");
    msg::KeyBundle bundle{sent[0].id,
                          "bob",
                          std::string(64, 'a'),
                          Bytes(300, 0x30),
                          7,
                          Bytes(kPrekeyBytes, 1),
                          1,
                          Bytes(64, 2),
                          0,
                          {},
                          0,
                          {}};
    pair.deliver(pair.server->send_inner_for_test(bundle), test::Side::server);
    EXPECT_NE(pair.client_events.failure().find("unexpected_message"), std::string::npos)
        << pair.client_events.failure();
}

TEST(E2eMessages, EachEndToEndAnswerAnswersOnlyItsRequest) {
    struct Case {
        msg::Request request;
        msg::Answer wrong;
        msg::Answer right;
    };
    const std::string device(64, 'a');
    msg::KeyBundle bundle{
        0,  "bob", device, Bytes(300, 0x30), 7, Bytes(kPrekeyBytes, 1), 1, Bytes(64, 2), 0,
        {}, 0,     {}};
    std::vector<Case> cases{
        {msg::PublishPrekeys{}, msg::DeviceList{0, "bob", {}}, msg::PrekeyStatus{0, 7, 1, 0}},
        {msg::ListDevices{0, "bob"}, msg::PrekeyStatus{0, 7, 1, 0},
         msg::DeviceList{0, "bob", {{device, "phone"}}}},
        {msg::FetchBundle{0, "bob", device}, msg::DeviceList{0, "bob", {}}, bundle},
        {msg::Relay{0, "bob", device, Bytes(16, 3), Bytes(1, 4)}, bundle,
         msg::Result{0, std::nullopt, ""}},
    };
    auto with_id = [](msg::Answer a, std::uint64_t id) {
        std::visit([&](auto& m) { m.id = id; }, a);
        return a;
    };
    auto inner = [](const msg::Answer& a) {
        return std::visit([](const auto& m) { return msg::Inner{m}; }, a);
    };
    for (auto& c : cases) {
        SCOPED_TRACE(std::string(msg::type_name(c.request)));
        {
            test::TestPki pki;
            test::Pair pair(pki);
            pair.login_and_chat();
            pair.deliver(pair.client->request(c.request), test::Side::client);
            auto id = pair.client_events.of<event::RequestSent>().at(0).id;
            pair.deliver(pair.server->answer(with_id(c.right, id)), test::Side::server);
            EXPECT_EQ(pair.client_events.failure(), "");
            auto answered = pair.client_events.of<event::Answered>();
            ASSERT_EQ(answered.size(), 1u);
            EXPECT_EQ(answered[0].request_type, msg::type_name(c.request));
        }
        {
            test::TestPki pki;
            test::Pair pair(pki);
            pair.login_and_chat();
            pair.deliver(pair.client->request(c.request), test::Side::client);
            auto id = pair.client_events.of<event::RequestSent>().at(0).id;
            pair.deliver(pair.server->send_inner_for_test(inner(with_id(c.wrong, id))),
                         test::Side::server);
            EXPECT_NE(pair.client_events.failure().find("unexpected_message"), std::string::npos)
                << pair.client_events.failure();
        }
    }
}

// §2.4: `received` names 1 to kMaxReceivedPerRequest held ids, none 0, none twice; `stored`
// names a held id and an expiry after its time.
TEST(E2eMessages, ReceivedAndStoredAreBounded) {
    auto ids = [](std::size_t n) {
        json held = json::array();
        for (std::size_t i = 1; i <= n; ++i) {
            held.push_back(i);
        }
        return held;
    };
    EXPECT_EQ(edited("received", [&](json& m) { m["held"] = ids(kMaxReceivedPerRequest); }), "ok");
    EXPECT_EQ(edited("received", [&](json& m) { m["held"] = ids(kMaxReceivedPerRequest + 1); }),
              "malformed");
    EXPECT_EQ(edited("received", [](json& m) { m["held"] = json::array(); }), "malformed");
    EXPECT_EQ(edited("received", [](json& m) { m["held"] = json::array({1, 0}); }), "malformed");
    EXPECT_EQ(edited("received", [](json& m) { m["held"] = json::array({3, 3}); }), "malformed");
    EXPECT_EQ(edited("stored", [](json& m) { m["held"] = 0; }), "malformed");
    EXPECT_EQ(edited("stored", [](json& m) { m["expires"] = m["ts"]; }), "malformed");
    EXPECT_EQ(edited("envelope", [](json& m) { m["held"] = 0; }), "malformed");
}

}  // namespace
}  // namespace sc::proto
